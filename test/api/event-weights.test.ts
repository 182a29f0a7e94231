/**
 * Event weights end to end: a campaign trained with `purchase=8,click=1` folds PutEvents in with
 * the same weights (read from the stored campaign), so the served list equals the engine's own
 * fold-in with those weights, and a retrain keeps them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { PersonalizeEventsClient, PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { deserializeModel, parseEventWeights, synth } from "../../src/engine/index.js";
import { CampaignTrainer } from "../../src/personalize/campaigns/training.js";
import type { CampaignRecord } from "../../src/store/personalize-campaigns.js";
import { ACCOUNT_A, STORE_KINDS, startTestServer, tempDir, type TestServer } from "../helpers.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };
const WEIGHTS = parseEventWeights("purchase=8,click=1");

describe.each(STORE_KINDS)("event weights through PutEvents on %s", (kind) => {
  const data = tempDir("pinrec-data-");
  let server: TestServer;
  let campaign: CampaignRecord;
  let runtime: PersonalizeRuntimeClient;
  let events: PersonalizeEventsClient;

  beforeAll(async () => {
    const files = await synth({ users: 300, items: 120, interactions: 6000, seed: 7, outDir: data.path });
    const lines = readFileSync(files.interactionsPath, "utf8").trim().split("\n");
    const typed = join(data.path, "typed.csv");
    writeFileSync(
      typed,
      [lines[0], ...lines.slice(1).map((l, n) => (n % 3 === 0 ? l.replace(/,click$/, ",purchase") : l))].join("\n") + "\n",
    );
    server = await startTestServer(kind, { campaignPollMs: 0 });
    campaign = await new CampaignTrainer(server.store).create({
      tenant: TENANT,
      name: "shop",
      interactionsFile: typed,
      recipe: "ials",
      seed: 1,
      eventWeights: WEIGHTS,
    });
    const config = {
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey },
      maxAttempts: 1,
    };
    runtime = new PersonalizeRuntimeClient(config);
    events = new PersonalizeEventsClient(config);
  });
  afterAll(async () => {
    await server.dispose();
    data.remove();
  });

  test("a purchase moves the user as the engine's weighted fold-in does, not as a click would", async () => {
    expect(campaign.eventWeights).toEqual(WEIGHTS);
    const sent = [
      { eventType: "purchase", itemId: "i5" },
      { eventType: "click", itemId: "i17" },
      { eventType: "purchase", itemId: "i40" },
      { eventType: "view", itemId: "i41" }, // not listed: weight 1
    ];
    await events.send(
      new PutEventsCommand({
        trackingId: campaign.trackingId,
        userId: "newcomer",
        sessionId: "s1",
        eventList: sent.map((e, k) => ({ ...e, sentAt: new Date(Date.now() + k) })),
      }),
    );
    const served = (await runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, userId: "newcomer", numResults: 20 })))
      .itemList!;

    const bytes = (await server.store.models.get(campaign.modelKey))!;
    const weighted = deserializeModel(bytes);
    weighted.foldIn(
      "newcomer",
      sent.map((e) => ({ itemId: e.itemId, weight: e.eventType === "purchase" ? 8 : 1 })),
    );
    const unweighted = deserializeModel(bytes);
    unweighted.foldIn(
      "newcomer",
      sent.map((e) => ({ itemId: e.itemId })),
    );
    const want = weighted.recommend("newcomer", 20);
    expect(served.map((i) => i.itemId)).toEqual(want.map((r) => r.itemId));
    served.forEach((item, j) => expect(item.score).toBeCloseTo(want[j].score, 4)); // the API rounds scores
    expect(want.map((r) => r.score)).not.toEqual(unweighted.recommend("newcomer", 20).map((r) => r.score));
  });

  test("retraining keeps the campaign's weights unless new ones are given", async () => {
    const trainer = new CampaignTrainer(server.store);
    expect((await trainer.retrain(TENANT, "shop", { seed: 2 })).eventWeights).toEqual(WEIGHTS);
    const other = parseEventWeights("purchase=3,*=1");
    expect((await trainer.retrain(TENANT, "shop", { eventWeights: other })).eventWeights).toEqual(other);
    expect((await server.store.personalizeCampaigns.get(TENANT, "shop"))!.eventWeights).toEqual(other);
  });
});
