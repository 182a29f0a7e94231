/** A trained campaign, an app with endpoints, and transformer functions: what the send suites share. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import {
  CreateAppCommand,
  CreateRecommenderConfigurationCommand,
  UpdateEndpointsBatchCommand,
  type EndpointBatchItem,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { synth } from "../../../src/engine/index.js";
import { CampaignTrainer } from "../../../src/personalize/campaigns/training.js";
import type { CampaignRecord } from "../../../src/store/personalize-campaigns.js";
import type { Store, Tenant } from "../../../src/store/types.js";
import type { Credential } from "../../../src/server/credentials.js";
import { ACCOUNT_A, ROLE } from "../../helpers.js";

export const TENANT_A: Tenant = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

export async function trainCampaign(store: Store, tenant: Tenant, name: string, dir: string, seed = 7): Promise<CampaignRecord> {
  const files = await synth({ users: 300, items: 120, interactions: 6000, seed, outDir: join(dir, name) });
  return new CampaignTrainer(store).create({ tenant, name, interactionsFile: files.interactionsPath, itemsFile: files.itemsPath, seed: 1 });
}

export function runtimeClient(server: { url: string }, c: Credential = ACCOUNT_A): PersonalizeRuntimeClient {
  return new PersonalizeRuntimeClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    maxAttempts: 1,
  });
}

export async function recommendationsOf(
  runtime: PersonalizeRuntimeClient,
  campaignArn: string,
  userId: string,
  numResults: number,
): Promise<string[]> {
  const r = await runtime.send(new GetRecommendationsCommand({ campaignArn, userId, numResults }));
  return r.itemList!.map((i) => i.itemId!);
}

export async function createApp(client: PinpointClient, name = "shop"): Promise<string> {
  return (await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: name } }))).ApplicationResponse!.Id!;
}

export async function createRecommender(client: PinpointClient, campaignArn: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await client.send(
    new CreateRecommenderConfigurationCommand({
      CreateRecommenderConfiguration: {
        RecommendationProviderUri: campaignArn,
        RecommendationProviderRoleArn: ROLE,
        RecommendationsPerMessage: 3,
        ...(extra.RecommendationTransformerUri ? {} : { RecommendationsDisplayName: "Picks" }),
        ...extra,
      },
    }),
  );
  return res.RecommenderConfigurationResponse!.Id!;
}

export async function putEndpoints(client: PinpointClient, appId: string, items: EndpointBatchItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 100) {
    await client.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: { Item: items.slice(i, i + 100) } }));
  }
}

/** Transformer functions for the send suites. */
export function writeSendFunctions(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "add-titles.mjs"),
    `export const handler = async (event) => {
  for (const endpoint of Object.values(event.Endpoints)) {
    endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "Title of " + id), Ignored: ["not configured"] };
  }
  return event.Endpoints;
};`,
  );
  // Wraps its answer in {Endpoints: …}, as the documentation's example does.
  writeFileSync(
    join(dir, "wrapped.mjs"),
    `export const handler = async (event) => {
  for (const endpoint of Object.values(event.Endpoints)) endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "W" + id) };
  return { Endpoints: event.Endpoints };
};`,
  );
  // Fails any batch holding an endpoint whose id starts with "bad".
  writeFileSync(
    join(dir, "picky.mjs"),
    `export const handler = async (event) => {
  const ids = Object.keys(event.Endpoints);
  if (ids.length > 50) throw new Error("batch of " + ids.length);
  if (ids.some((id) => id.startsWith("bad"))) throw new Error("refusing a batch with " + ids.find((id) => id.startsWith("bad")));
  for (const endpoint of Object.values(event.Endpoints)) endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "T" + id) };
  return event.Endpoints;
};`,
  );
  writeFileSync(join(dir, "garbage.mjs"), `export const handler = async () => "not endpoints";`);
  writeFileSync(join(dir, "huge.mjs"), `export const handler = async () => ({ blob: "x".repeat(10 * 1024 * 1024) });`);
  writeFileSync(join(dir, "hangs.mjs"), `export const handler = () => new Promise(() => {});`);
}
