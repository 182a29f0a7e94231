/**
 * A Pinpoint campaign end to end through the real server and the real AWS SDK, on both stores:
 * endpoints with an attribute → a segment on that attribute → an email template naming a
 * recommender (with a local transformer) → an enabled email channel → CreateCampaign IMMEDIATE →
 * GetCampaignActivities COMPLETED with the counts → each endpoint's own items (as the engine's
 * GetRecommendations gives them for that user) in the outbox, once each. Then an EVENT campaign
 * fired by PutEvents, A/B treatments with a holdout, an HOURLY campaign on a fake clock, and
 * DeleteSegment refused while a campaign uses the segment.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateCampaignCommand,
  CreateEmailTemplateCommand,
  CreateSegmentCommand,
  DeleteSegmentCommand,
  GetCampaignActivitiesCommand,
  GetCampaignCommand,
  PutEventsCommand,
  UpdateEmailChannelCommand,
  type ActivityResponse,
  type EndpointBatchItem,
  type PinpointClient,
  type WriteCampaignRequest,
} from "@aws-sdk/client-pinpoint";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { STORE_KINDS, errorOf, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { rawRequest } from "../signing.js";
import {
  TENANT_A,
  createApp,
  createRecommender,
  putEndpoints,
  recommendationsOf,
  runtimeClient,
  trainCampaign,
} from "../pinpoint/messaging/send-fixtures.js";
import { IDENTITY, writeFunctions } from "../pinpoint/campaigns/runner-fixtures.js";

const HOUR = 3_600_000;
const PER_MESSAGE = 3;

interface OutboxSummary {
  MessageId: string;
  EndpointId?: string;
  UserId?: string;
  Address: string;
  Subject?: string;
}

describe.each(STORE_KINDS)("campaigns end to end on %s", (kind) => {
  const dir = tempDir("pinrec-e2e-");
  /** The runner's and the campaign API's clock: real time plus `skew` (the recurring test moves it). */
  let skew = 0;
  const clock = () => Date.now() + skew;
  let server: TestServer;
  let client: PinpointClient;
  let runtime: PersonalizeRuntimeClient;
  let appId: string;
  let engineArn: string;

  const endpoint = (id: string, userId: string, plan: string): EndpointBatchItem => ({
    Id: id,
    ChannelType: "EMAIL",
    Address: `${id}@example.com`,
    User: { UserId: userId },
    Attributes: { plan: [plan] },
  });
  const segmentOn = async (name: string, plans: string[]) =>
    (
      await client.send(
        new CreateSegmentCommand({
          ApplicationId: appId,
          WriteSegmentRequest: { Name: name, Dimensions: { Attributes: { plan: { AttributeType: "INCLUSIVE", Values: plans } } } },
        }),
      )
    ).SegmentResponse!.Id!;
  const createCampaign = async (req: WriteCampaignRequest) =>
    (await client.send(new CreateCampaignCommand({ ApplicationId: appId, WriteCampaignRequest: req }))).CampaignResponse!;
  const activities = async (campaignId: string): Promise<ActivityResponse[]> =>
    (await client.send(new GetCampaignActivitiesCommand({ ApplicationId: appId, CampaignId: campaignId }))).ActivitiesResponse!.Item!;
  const stateOf = async (campaignId: string) =>
    (await client.send(new GetCampaignCommand({ ApplicationId: appId, CampaignId: campaignId }))).CampaignResponse!.State?.CampaignStatus;

  /** Polls GetCampaignActivities until `count` activities are COMPLETED. */
  async function completed(campaignId: string, count: number, timeoutMs = 60_000): Promise<ActivityResponse[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const items = await activities(campaignId);
      if (items.length >= count && items.every((a) => a.State === "COMPLETED")) return items;
      if (Date.now() > end) throw new Error(`activities of ${campaignId} not COMPLETED in time: ${JSON.stringify(items)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The app's outbox as the signed `/_pinrec/outbox` route lists it, every page. */
  async function outbox(): Promise<OutboxSummary[]> {
    const out: OutboxSummary[] = [];
    let token: string | undefined;
    do {
      const res = await rawRequest(server, {
        method: "GET",
        path: "/_pinrec/outbox",
        query: { "application-id": appId, "page-size": "100", ...(token && { token }) },
      });
      expect(res.status).toBe(200);
      out.push(...res.json.Messages);
      token = res.json.NextToken;
    } while (token);
    return out;
  }
  const textOf = async (messageId: string): Promise<string> => {
    const res = await rawRequest(server, { method: "GET", path: `/_pinrec/outbox/${messageId}` });
    expect(res.status).toBe(200);
    return res.json.EmailMessage.TextPart;
  };
  /** What the template renders for a user: the engine's items for that user, then their titles from the transformer. */
  const expectedText = async (userId: string) => {
    const items = await recommendationsOf(runtime, engineArn, userId, PER_MESSAGE);
    expect(items).toHaveLength(PER_MESSAGE);
    return `${items.join(";")};|${items.map((i) => `Title of ${i}`).join(",")}`;
  };

  beforeAll(async () => {
    const functionsDir = join(dir.path, "functions");
    writeFunctions(functionsDir);
    server = await startTestServer(kind, { functionsDir, campaignRunClock: clock, campaignRunPollMs: 100 });
    client = pinpointClient(server);
    runtime = runtimeClient(server);
    engineArn = (await trainCampaign(server.store, TENANT_A, "picks", dir.path)).arn;
    appId = await createApp(client, "e2e");
    const recommenderId = await createRecommender(client, engineArn, {
      RecommendationProviderIdType: "PINPOINT_USER_ID",
      RecommendationsPerMessage: PER_MESSAGE,
      RecommendationTransformerUri: "add-titles",
      Attributes: { "Recommendations.Title": "Title" },
    });
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "e2e-picks",
        EmailTemplateRequest: {
          RecommenderId: recommenderId,
          Subject: "Picks for {{User.UserId}}",
          TextPart:
            "{{#each RecommendationItems}}{{this}};{{/each}}|{{#each Recommendations.Title}}{{this}}{{#unless @last}},{{/unless}}{{/each}}",
        },
      }),
    );
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "e2e-plain",
        EmailTemplateRequest: { Subject: "Variant B", TextPart: "B for {{User.UserId}}" },
      }),
    );
    await client.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "shop@example.com", Identity: IDENTITY, Enabled: true },
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    dir.remove();
  });

  test("CreateCampaign IMMEDIATE: the activity COMPLETES with the counts, each segment endpoint gets its own items once", {
    timeout: 120_000,
  }, async () => {
    const gold = Array.from({ length: 7 }, (_, i) => endpoint(`gold-${i}`, `u${i * 11}`, "gold"));
    const basic = Array.from({ length: 5 }, (_, i) => endpoint(`basic-${i}`, `u${i * 13 + 1}`, "basic"));
    await putEndpoints(client, appId, [...gold, ...basic]);
    const segmentId = await segmentOn("gold readers", ["gold"]);
    const campaign = await createCampaign({
      Name: "gold picks",
      SegmentId: segmentId,
      Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
      TemplateConfiguration: { EmailTemplate: { Name: "e2e-picks" } },
    });

    const [activity] = await completed(campaign.Id!, 1);
    expect(activity).toMatchObject({
      CampaignId: campaign.Id,
      TreatmentId: "0",
      State: "COMPLETED",
      Result: "SUCCESS",
      TotalEndpointCount: gold.length,
      SuccessfulEndpointCount: gold.length,
    });
    expect(await activities(campaign.Id!)).toHaveLength(1);
    expect(await stateOf(campaign.Id!)).toBe("COMPLETED");

    const sent = await outbox();
    // Exactly once per segment endpoint, none to the others.
    expect(sent.map((m) => m.EndpointId).sort()).toEqual(gold.map((e) => e.Id).sort());
    for (const e of gold) {
      const message = sent.find((m) => m.EndpointId === e.Id)!;
      expect(message).toMatchObject({ Address: e.Address, UserId: e.User!.UserId, Subject: `Picks for ${e.User!.UserId}` });
      expect(await textOf(message.MessageId)).toBe(await expectedText(e.User!.UserId!));
    }

    // AWS refuses to delete a segment a campaign uses.
    const refused = await errorOf(() => client.send(new DeleteSegmentCommand({ ApplicationId: appId, SegmentId: segmentId })));
    expect(refused.name).toBe("BadRequestException");
    expect(refused.message).toContain(campaign.Id!);
  });

  test("an EVENT campaign: PutEvents with a matching event type messages that endpoint within seconds; another event type sends nothing", {
    timeout: 120_000,
  }, async () => {
    const viewers = [endpoint("viewer-0", "u50", "viewer"), endpoint("viewer-1", "u51", "viewer")];
    await putEndpoints(client, appId, viewers);
    const segmentId = await segmentOn("viewers", ["viewer"]);
    const campaign = await createCampaign({
      Name: "viewed a product",
      SegmentId: segmentId,
      Schedule: {
        StartTime: "IMMEDIATE",
        EndTime: new Date(Date.now() + 24 * HOUR).toISOString(),
        Frequency: "EVENT",
        EventFilter: { FilterType: "ENDPOINT", Dimensions: { EventType: { DimensionType: "INCLUSIVE", Values: ["product.viewed"] } } },
      },
      TemplateConfiguration: { EmailTemplate: { Name: "e2e-picks" } },
    });
    const event = (type: string) => ({ EventType: type, Timestamp: new Date().toISOString() });
    const before = (await outbox()).length;

    const other = await client.send(
      new PutEventsCommand({
        ApplicationId: appId,
        EventsRequest: { BatchItem: { "viewer-1": { Endpoint: {}, Events: { "e-1": event("cart.opened") } } } },
      }),
    );
    expect(other.EventsResponse!.Results!["viewer-1"].EventsItemResponse!["e-1"].StatusCode).toBe(202);
    const fired = Date.now();
    await client.send(
      new PutEventsCommand({
        ApplicationId: appId,
        EventsRequest: { BatchItem: { "viewer-0": { Endpoint: {}, Events: { "e-2": event("product.viewed") } } } },
      }),
    );

    const [activity] = await completed(campaign.Id!, 1, 10_000);
    expect(Date.now() - fired).toBeLessThan(10_000);
    expect(activity).toMatchObject({ State: "COMPLETED", TotalEndpointCount: 1, SuccessfulEndpointCount: 1 });
    const added = (await outbox()).slice(before);
    expect(added.map((m) => m.EndpointId)).toEqual(["viewer-0"]);
    expect(await textOf(added[0].MessageId)).toBe(await expectedText("u50"));
    // Only the matching event started a run.
    expect(await activities(campaign.Id!)).toHaveLength(1);

    // A matching event from an endpoint outside the campaign's segment starts a run that reaches nobody.
    await putEndpoints(client, appId, [endpoint("passer-by", "u52", "not-a-viewer")]);
    await client.send(
      new PutEventsCommand({
        ApplicationId: appId,
        EventsRequest: { BatchItem: { "passer-by": { Endpoint: {}, Events: { "e-3": event("product.viewed") } } } },
      }),
    );
    const runs = await completed(campaign.Id!, 2, 10_000);
    expect(runs.map((a) => a.TotalEndpointCount).sort()).toEqual([0, 1]);
    expect((await outbox()).slice(before).map((m) => m.EndpointId)).toEqual(["viewer-0"]);
  });

  test("A/B treatments and a holdout split a few hundred endpoints in the configured proportions", { timeout: 180_000 }, async () => {
    const n = 400;
    const readers = Array.from({ length: n }, (_, i) => endpoint(`ab-${String(i).padStart(3, "0")}`, `u${i % 300}`, "ab"));
    await putEndpoints(client, appId, readers);
    const segmentId = await segmentOn("ab readers", ["ab"]);
    const before = new Set((await outbox()).map((m) => m.MessageId));
    const campaign = await createCampaign({
      Name: "subject test",
      SegmentId: segmentId,
      HoldoutPercent: 40,
      Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
      TemplateConfiguration: { EmailTemplate: { Name: "e2e-picks" } },
      AdditionalTreatments: [{ SizePercent: 30, TreatmentName: "plain", TemplateConfiguration: { EmailTemplate: { Name: "e2e-plain" } } }],
    });
    const acts = await completed(campaign.Id!, 2, 120_000);
    const byTreatment = new Map(acts.map((a) => [a.TreatmentId, a]));
    const a = byTreatment.get("0")!;
    const b = byTreatment.get("1")!;
    expect(acts).toHaveLength(2);
    const held = Number(a.ExecutionMetrics?.HoldoutEndpointCount ?? 0);
    // Every endpoint is accounted for once: held out, or sent one of the treatments.
    expect(held + a.TotalEndpointCount! + b.TotalEndpointCount!).toBe(n);
    expect(a.SuccessfulEndpointCount).toBe(a.TotalEndpointCount);
    expect(b.SuccessfulEndpointCount).toBe(b.TotalEndpointCount);
    // SizePercent and HoldoutPercent are both "the allocated percentage of users (segment members)":
    // 40% held out, 30% to B, the default treatment the remaining 30% (not 30% and 70% of the 60% left,
    // which would give B 18%). Binomial draws, 4 sd of tolerance.
    const within = (count: number, p: number) => expect(Math.abs(count - p * n)).toBeLessThanOrEqual(4 * Math.sqrt(n * p * (1 - p)));
    within(held, 0.4);
    within(b.TotalEndpointCount!, 0.3);
    within(a.TotalEndpointCount!, 0.3);

    const added = (await outbox()).filter((m) => !before.has(m.MessageId));
    expect(added).toHaveLength(a.TotalEndpointCount! + b.TotalEndpointCount!);
    expect(new Set(added.map((m) => m.EndpointId)).size).toBe(added.length);
    expect(added.filter((m) => m.Subject === "Variant B")).toHaveLength(b.TotalEndpointCount!);
    expect(added.filter((m) => m.Subject?.startsWith("Picks for "))).toHaveLength(a.TotalEndpointCount!);
  });

  // Last: it moves the server's clock an hour on.
  test("an HOURLY campaign on a fake clock fires now and again an hour later, each run to the whole segment", {
    timeout: 120_000,
  }, async () => {
    const hourly = [endpoint("hourly-0", "u70", "hourly"), endpoint("hourly-1", "u71", "hourly"), endpoint("hourly-2", "u72", "hourly")];
    await putEndpoints(client, appId, hourly);
    const segmentId = await segmentOn("hourly readers", ["hourly"]);
    const before = new Set((await outbox()).map((m) => m.MessageId));
    const campaign = await createCampaign({
      Name: "every hour",
      SegmentId: segmentId,
      Schedule: { StartTime: "IMMEDIATE", EndTime: new Date(clock() + 1.5 * HOUR).toISOString(), Frequency: "HOURLY" },
      TemplateConfiguration: { EmailTemplate: { Name: "e2e-picks" } },
    });
    const [first] = await completed(campaign.Id!, 1);
    expect(first).toMatchObject({ TotalEndpointCount: 3, SuccessfulEndpointCount: 3 });
    expect(await stateOf(campaign.Id!)).toBe("PENDING_NEXT_RUN");
    // Nothing more fires until the clock reaches the next hour.
    await new Promise((r) => setTimeout(r, 500));
    expect(await activities(campaign.Id!)).toHaveLength(1);

    skew += HOUR + 1000;
    const runs = await completed(campaign.Id!, 2);
    expect(runs).toHaveLength(2);
    expect(runs.map((a) => a.TotalEndpointCount)).toEqual([3, 3]);
    expect(Date.parse(runs[1].ScheduledStart!) - Date.parse(runs[0].ScheduledStart!)).toBe(HOUR);
    const added = (await outbox()).filter((m) => !before.has(m.MessageId));
    // Each run messages each endpoint once: two messages per endpoint in all.
    expect(added.map((m) => m.EndpointId).sort()).toEqual(["hourly-0", "hourly-0", "hourly-1", "hourly-1", "hourly-2", "hourly-2"]);
    // The end time is past the second run: nothing more will run.
    skew += HOUR;
    await new Promise((r) => setTimeout(r, 500));
    expect(await activities(campaign.Id!)).toHaveLength(2);
    expect(await stateOf(campaign.Id!)).toBe("COMPLETED");
    // The campaign API reads the same clock: an hour before the fake now is in the past for it too.
    const past = await errorOf(() =>
      createCampaign({
        SegmentId: segmentId,
        Schedule: { StartTime: new Date(clock() - HOUR).toISOString(), Frequency: "ONCE" },
        TemplateConfiguration: { EmailTemplate: { Name: "e2e-picks" } },
      }),
    );
    expect(past.name).toBe("BadRequestException");
    expect(past.message).toContain("StartTime must be at least current time");
  });
});
