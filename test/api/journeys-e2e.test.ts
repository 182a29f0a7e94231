/**
 * Journeys end to end through the real server, the real AWS SDK and a real SMTP server, on both
 * stores, on a fake clock: a segment journey (random split → email with each participant's own
 * recommended items → wait → conditional split on a segment → email) with exact branch membership
 * and each message sent once; pause holds a wait, resume continues it, cancel ends it.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateEmailTemplateCommand,
  CreateJourneyCommand,
  CreateSegmentCommand,
  GetJourneyCommand,
  GetJourneyDateRangeKpiCommand,
  GetJourneyExecutionActivityMetricsCommand,
  GetJourneyExecutionMetricsCommand,
  UpdateEmailChannelCommand,
  UpdateJourneyStateCommand,
  type EndpointBatchItem,
  type PinpointClient,
  type WriteJourneyRequest,
} from "@aws-sdk/client-pinpoint";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { STORE_KINDS, errorOf, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { startSmtpCatcher, type SmtpCatcher } from "../smtp-catcher.js";
import {
  TENANT_A,
  createApp,
  createRecommender,
  putEndpoints,
  recommendationsOf,
  runtimeClient,
  trainCampaign,
} from "../pinpoint/messaging/send-fixtures.js";
import { IDENTITY } from "../pinpoint/campaigns/runner-fixtures.js";
import { get, htmlOf, pixelOf } from "../tracked-mail.js";
import { draw } from "../../src/pinpoint/journeys/executor/step.js";

const HOUR = 3_600_000;
const PER_MESSAGE = 3;

describe.each(STORE_KINDS)("journeys end to end on %s", (kind) => {
  const dir = tempDir("pinrec-journeys-e2e-");
  /** The executor's and the journey API's clock: real time plus `skew`. */
  let skew = 0;
  const clock = () => Date.now() + skew;
  let catcher: SmtpCatcher;
  let server: TestServer;
  let client: PinpointClient;
  let runtime: PersonalizeRuntimeClient;
  let appId: string;
  let engineArn: string;

  const endpoint = (id: string, userId: string, plans: string[]): EndpointBatchItem => ({
    Id: id,
    ChannelType: "EMAIL",
    Address: `${id}@example.com`,
    User: { UserId: userId },
    Attributes: { plan: plans },
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
  const createJourney = async (req: WriteJourneyRequest) =>
    (await client.send(new CreateJourneyCommand({ ApplicationId: appId, WriteJourneyRequest: req }))).JourneyResponse!;
  const stateOf = async (id: string) =>
    (await client.send(new GetJourneyCommand({ ApplicationId: appId, JourneyId: id }))).JourneyResponse!.State;
  const setState = (id: string, State: "ACTIVE" | "PAUSED" | "CANCELLED") =>
    client.send(new UpdateJourneyStateCommand({ ApplicationId: appId, JourneyId: id, JourneyStateRequest: { State } }));
  /** Mails to the given addresses' local parts, by recipient. */
  const mailsTo = (prefix: string) => catcher.mails.filter((m) => m.to.some((t) => t.startsWith(prefix)));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function waitUntil(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error(`${what}: not in time`);
      await sleep(50);
    }
  }
  /** What the picks template renders for a user: the engine's items for that user. */
  const expectedItems = async (userId: string) => {
    const items = await recommendationsOf(runtime, engineArn, userId, PER_MESSAGE);
    expect(items).toHaveLength(PER_MESSAGE);
    return `Items: ${items.join(";")};`;
  };

  beforeAll(async () => {
    catcher = await startSmtpCatcher();
    server = await startTestServer(kind, { smtpUrl: catcher.url, campaignRunClock: clock, campaignRunPollMs: 100 });
    client = pinpointClient(server);
    runtime = runtimeClient(server);
    engineArn = (await trainCampaign(server.store, TENANT_A, "journey-picks", dir.path)).arn;
    appId = await createApp(client, "journeys-e2e");
    const recommenderId = await createRecommender(client, engineArn, {
      RecommendationProviderIdType: "PINPOINT_USER_ID",
      RecommendationsPerMessage: PER_MESSAGE,
    });
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "journey-picks",
        EmailTemplateRequest: {
          RecommenderId: recommenderId,
          Subject: "Picks for {{User.UserId}}",
          TextPart: "Items: {{#each RecommendationItems}}{{this}};{{/each}}",
        },
      }),
    );
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "journey-plain",
        EmailTemplateRequest: { Subject: "Follow-up", TextPart: "Hi {{User.UserId}}" },
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
    await catcher?.close();
    dir.remove();
  });

  // First: the open's event time is the real clock's, and this test needs the fake clock not yet ahead of it.
  test("an EventCondition on the email's opens: who opened within the evaluation window gets the thank-you", {
    timeout: 120_000,
  }, async () => {
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "journey-html",
        EmailTemplateRequest: { Subject: "Look", HtmlPart: '<html><body><p><a href="https://shop.example/">shop</a></p></body></html>' },
      }),
    );
    await putEndpoints(client, appId, [endpoint("open-0", "u5", ["open"]), endpoint("open-1", "u6", ["open"])]);
    const segment = await segmentOn("openers", ["open"]);
    const journey = await createJourney({
      Name: "thank openers",
      State: "ACTIVE",
      StartCondition: { SegmentStartCondition: { SegmentId: segment } },
      StartActivity: "look",
      Activities: {
        look: { EMAIL: { TemplateName: "journey-html", NextActivity: "opened" } },
        opened: {
          ConditionalSplit: {
            Condition: {
              Operator: "ANY",
              Conditions: [{ EventCondition: { MessageActivity: "look", Dimensions: { EventType: { Values: ["_email.open"] } } } }],
            },
            EvaluationWaitTime: { WaitFor: "PT1H" },
            TrueActivity: "thanks",
          },
        },
        thanks: { EMAIL: { TemplateName: "journey-plain" } },
      },
    });
    await waitUntil(() => mailsTo("open-").length === 2, "the first emails");
    const opened = mailsTo("open-0")[0];
    expect((await get(pixelOf(htmlOf(opened.raw)))).status).toBe(200);
    // Opens are answered at once and stored right after (group commit).
    await waitUntil(
      async () => (await server.store.engagement.list(TENANT_A, appId, { limit: 1000 })).some((e) => e.eventType === "_email.open"),
      "the open stored",
    );
    // The split waits for its evaluation window before it looks.
    await sleep(500);
    expect(mailsTo("open-")).toHaveLength(2);
    skew += HOUR + 1000;
    await waitUntil(async () => (await stateOf(journey.Id!)) === "COMPLETED", "COMPLETED");
    // The outbox delivers after the participant has moved on.
    await waitUntil(() => mailsTo("open-0").length === 2, "the thank-you");
    await sleep(300);
    expect(mailsTo("open-0")[1].raw).toContain("Subject: Follow-up");
    expect(mailsTo("open-1")).toHaveLength(1);
  });

  test("a segment journey: split → email with each participant's own items → wait → split on a segment → email, each once", {
    timeout: 120_000,
  }, async () => {
    const members = Array.from({ length: 12 }, (_, i) => endpoint(`seg-${i}`, `u${i * 7}`, i % 3 === 0 ? ["gold", "vip"] : ["gold"]));
    const others = [endpoint("other-0", "u99", ["basic"])];
    await putEndpoints(client, appId, [...members, ...others]);
    const gold = await segmentOn("gold", ["gold"]);
    const vip = await segmentOn("vip", ["vip"]);
    const journey = await createJourney({
      Name: "welcome series",
      State: "ACTIVE",
      StartCondition: { SegmentStartCondition: { SegmentId: gold } },
      StartActivity: "split",
      Activities: {
        split: { RandomSplit: { Branches: [{ Percentage: 75, NextActivity: "picks" }, { Percentage: 25 }] } },
        picks: { EMAIL: { TemplateName: "journey-picks", NextActivity: "pause" } },
        pause: { Wait: { WaitTime: { WaitFor: "PT1H" }, NextActivity: "check" } },
        check: {
          ConditionalSplit: {
            Condition: { Operator: "ALL", Conditions: [{ SegmentCondition: { SegmentId: vip } }] },
            TrueActivity: "follow-up",
          },
        },
        "follow-up": { EMAIL: { TemplateName: "journey-plain" } },
      },
    });
    // The split's branch of each member: the same draw the executor makes.
    const first = members.filter((m) => draw(journey.Id!, "split", m.Id!) < 75);
    const second = first.filter((m) => m.Attributes!.plan!.includes("vip"));
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(members.length);
    await waitUntil(() => mailsTo("seg-").length >= first.length, "the first emails");
    await sleep(500);
    const sent = mailsTo("seg-");
    expect(sent.map((m) => m.to[0]).sort()).toEqual(first.map((m) => m.Address).sort());
    for (const m of first) {
      const mail = sent.find((x) => x.to[0] === m.Address)!;
      expect(mail.raw).toContain(`Subject: Picks for ${m.User!.UserId}`);
      expect(mail.raw).toContain(await expectedItems(m.User!.UserId!));
    }
    expect(mailsTo("other-")).toEqual([]);
    // Entry happened once (no RefreshFrequency): the journey is CLOSED while participants wait.
    expect(await stateOf(journey.Id!)).toBe("CLOSED");
    skew += HOUR + 1000;
    await waitUntil(() => mailsTo("seg-").length >= first.length + second.length, "the follow-ups");
    await waitUntil(async () => (await stateOf(journey.Id!)) === "COMPLETED", "COMPLETED");
    const followUps = mailsTo("seg-").filter((m) => m.raw.includes("Subject: Follow-up"));
    expect(followUps.map((m) => m.to[0]).sort()).toEqual(second.map((m) => m.Address).sort());
    // Each message once.
    for (const n of catcher.counts().values()) expect(n).toBe(1);
    expect(mailsTo("seg-")).toHaveLength(first.length + second.length);

    // Execution metrics: the journey's and each activity's, exact.
    const execution = (await client.send(new GetJourneyExecutionMetricsCommand({ ApplicationId: appId, JourneyId: journey.Id })))
      .JourneyExecutionMetricsResponse!;
    expect(execution).toMatchObject({ ApplicationId: appId, JourneyId: journey.Id });
    expect(execution.Metrics).toEqual({ ENDPOINT_ACTIVE: "0", ENDPOINT_ENTERED: "12", ENDPOINT_LEFT: "12" });
    const activity = async (id: string) =>
      (
        await client.send(
          new GetJourneyExecutionActivityMetricsCommand({ ApplicationId: appId, JourneyId: journey.Id, JourneyActivityId: id }),
        )
      ).JourneyExecutionActivityMetricsResponse!;
    const n = (x: number) => String(x);
    expect(await activity("split")).toMatchObject({
      ActivityType: "RANDOM_SPLIT",
      JourneyActivityId: "split",
      Metrics: { Branch_0: n(first.length), Branch_1: n(members.length - first.length) },
    });
    expect((await activity("picks")).Metrics).toEqual({ SUCCESS: n(first.length), TOTAL: n(first.length) });
    expect(await activity("pause")).toMatchObject({ ActivityType: "WAIT", Metrics: { SUCCESS: n(first.length), WAIT: n(first.length) } });
    const split = await activity("check");
    expect(split.ActivityType).toBe("CONDITIONAL_SPLIT");
    expect(split.Metrics).toEqual({
      ...(second.length > 0 && { True: n(second.length) }),
      ...(first.length > second.length && { False: n(first.length - second.length) }),
    });
    const missing = await errorOf(() =>
      client.send(
        new GetJourneyExecutionActivityMetricsCommand({ ApplicationId: appId, JourneyId: journey.Id, JourneyActivityId: "nope" }),
      ),
    );
    expect([missing.name, missing.message]).toEqual(["NotFoundException", `Activity 'nope' was not found in journey '${journey.Id}'`]);
    // The journey's engagement KPI counts its sends.
    const kpi = (
      await client.send(
        new GetJourneyDateRangeKpiCommand({
          ApplicationId: appId,
          JourneyId: journey.Id,
          KpiName: "journey-emails-sent",
          StartTime: new Date(Date.now() - 24 * HOUR),
          EndTime: new Date(Date.now() + 24 * HOUR),
        }),
      )
    ).JourneyDateRangeKpiResponse!;
    expect(kpi.KpiResult!.Rows![0].Values![0].Value).toBe(`${first.length + second.length}.0`);
  });

  test("pause holds a wait (the pause does not count), resume continues it; cancel ends the journey", { timeout: 120_000 }, async () => {
    await putEndpoints(client, appId, [
      endpoint("held-0", "u1", ["held"]),
      endpoint("held-1", "u2", ["held"]),
      endpoint("gone-0", "u3", ["gone"]),
    ]);
    const held = await segmentOn("held", ["held"]);
    const gone = await segmentOn("gone", ["gone"]);
    const twoStep = (segmentId: string): WriteJourneyRequest => ({
      Name: "wait then mail",
      State: "ACTIVE",
      StartCondition: { SegmentStartCondition: { SegmentId: segmentId } },
      StartActivity: "wait",
      Activities: {
        wait: { Wait: { WaitTime: { WaitFor: "PT2H" }, NextActivity: "mail" } },
        mail: { EMAIL: { TemplateName: "journey-plain" } },
      },
    });
    const j = await createJourney(twoStep(held));
    const c = await createJourney(twoStep(gone));
    await waitUntil(async () => (await stateOf(j.Id!)) === "CLOSED" && (await stateOf(c.Id!)) === "CLOSED", "both entered");
    await setState(j.Id!, "PAUSED");
    await setState(c.Id!, "CANCELLED");
    skew += 3 * HOUR;
    await sleep(800);
    expect(mailsTo("held-")).toEqual([]);
    expect(await stateOf(j.Id!)).toBe("PAUSED");
    await setState(j.Id!, "ACTIVE");
    // The wait was paused for 3 hours: 2 hours of it are still to come.
    skew += HOUR;
    await sleep(800);
    expect(mailsTo("held-")).toEqual([]);
    skew += HOUR + 1000;
    await waitUntil(() => mailsTo("held-").length === 2, "the resumed mails");
    await waitUntil(async () => (await stateOf(j.Id!)) === "COMPLETED", "COMPLETED");
    expect(mailsTo("gone-")).toEqual([]);
    expect(await stateOf(c.Id!)).toBe("CANCELLED");
  });
});
