/**
 * The campaign runner on real stores, with the real pipeline (engine recommendations, local
 * transformer functions, templates, the outbox): each due run fires once however many runners
 * poll, every segment endpoint gets its own recommendations exactly once, holdout and A/B
 * proportions, a recurring schedule on a fake clock, a disabled channel, a failing transformer,
 * MessagesPerSecond across runners, and Limits.Total.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UpdateEmailChannelCommand } from "@aws-sdk/client-pinpoint";
import { STORE_KINDS } from "../../helpers.js";
import { putEndpoints, recommendationsOf, runtimeClient } from "../messaging/send-fixtures.js";
import {
  IDENTITY,
  activitiesOf,
  addEndpoints,
  createSegment,
  insertCampaign,
  nextRunAtOf,
  outbox,
  runToEnd as runToEndOf,
  runnerStack,
  world,
  type World,
} from "./runner-fixtures.js";

describe.each(STORE_KINDS)("campaign runner: %s", (kind) => {
  let w: World;
  let endpointIds: string[];
  let gold: string;
  let all: string;
  const stack = (opts: Parameters<typeof runnerStack>[1] = {}) => runnerStack(w, opts);

  beforeAll(async () => {
    w = await world(kind);
    endpointIds = await addEndpoints(w, 600);
    gold = await createSegment(w, ["gold"]);
    all = await createSegment(w, ["gold", "basic"]);
  }, 180_000);

  afterAll(async () => {
    await w?.dispose();
  });

  const runToEnd = (runners: Parameters<typeof runToEndOf>[1], campaignId: string, runs = 1) => runToEndOf(w, runners, campaignId, runs);

  test("a due IMMEDIATE campaign sends each segment endpoint its own recommendations exactly once, through the transformer with the campaign envelope", async () => {
    const runner = await stack({ leaseMs: 60_000 });
    const campaign = await insertCampaign(w, gold, Date.now());
    await runToEnd([runner], campaign.Id!);
    // Nothing fires twice: another pass finds nothing due.
    expect(await runner.services.runner.schedule()).toBe(0);
    expect(await nextRunAtOf(w, campaign.Id!)).toBeNull();

    const [activity] = await activitiesOf(w, campaign.Id!);
    const goldIds = endpointIds.filter((_, i) => i % 2 === 0);
    expect(activity.doc).toMatchObject({
      State: "COMPLETED",
      Result: "SUCCESS",
      TreatmentId: "0",
      TotalEndpointCount: goldIds.length,
      SuccessfulEndpointCount: goldIds.length,
      CampaignId: campaign.Id,
      ApplicationId: w.appId,
    });
    expect(Date.parse(activity.doc.End!)).toBeGreaterThanOrEqual(Date.parse(activity.doc.Start!));

    const rows = (await outbox(runner.store, w.appId)).filter((r) => r.message.requestId === activity.id);
    expect(rows.map((r) => r.message.endpointId).sort()).toEqual(goldIds);
    const runtime = runtimeClient(w.server);
    for (const r of rows.slice(0, 25)) {
      const items = await recommendationsOf(runtime, w.campaignArn, r.message.endpointId!, 3);
      expect(r.message.email!.text).toBe(
        `${items.join(";")};|Title of ${items[0]}|${campaign.Id}/0/${activity.id}/${activity.doc.ScheduledStart}`,
      );
      expect(r.message.email!.fromAddress).toBe("news@example.com");
      expect(r.idempotencyKey).toBe(`${activity.id}:${r.message.endpointId}`);
    }
  }, 180_000);

  test("two runners on one database fire each run once and share its batches", async () => {
    const a = await stack({ leaseMs: 60_000 });
    const b = await stack({ leaseMs: 60_000 });
    const campaigns = await Promise.all([0, 1, 2].map(() => insertCampaign(w, all, Date.now())));
    const fired = await Promise.all([
      a.services.runner.schedule(),
      b.services.runner.schedule(),
      a.services.runner.schedule(),
      b.services.runner.schedule(),
    ]);
    expect(fired.reduce((x, y) => x + y, 0)).toBe(3);
    for (const c of campaigns) await runToEnd([a, b], c.Id!);
    const rows = await outbox(a.store, w.appId);
    for (const c of campaigns) {
      const acts = await activitiesOf(w, c.Id!);
      expect(acts).toHaveLength(1);
      const mine = rows.filter((r) => r.message.requestId === acts[0].id).map((r) => r.message.endpointId!);
      expect(mine.length).toBe(endpointIds.length);
      expect(new Set(mine).size).toBe(endpointIds.length);
      expect(acts[0].doc.SuccessfulEndpointCount).toBe(endpointIds.length);
    }
  }, 240_000);

  test("holdout and A/B treatments: proportions within tolerance, one activity per treatment, each endpoint in one place", async () => {
    const runner = await stack({ leaseMs: 60_000 });
    const campaign = await insertCampaign(w, all, Date.now(), {
      HoldoutPercent: 20,
      AdditionalTreatments: [{ Id: "1", SizePercent: 30, TemplateConfiguration: { EmailTemplate: { Name: "plain-b" } } }],
    });
    await runToEnd([runner], campaign.Id!);
    const acts = await activitiesOf(w, campaign.Id!);
    expect(acts.map((a) => a.doc.TreatmentId).sort()).toEqual(["0", "1"]);
    const main = acts.find((a) => a.doc.TreatmentId === "0")!;
    const b = acts.find((a) => a.doc.TreatmentId === "1")!;
    const n = endpointIds.length;
    const held = Number(main.doc.ExecutionMetrics!.HoldoutEndpointCount);
    // SizePercent, like HoldoutPercent, is a percentage of the whole segment: holdout 20%, B 30%, the default 50%.
    // Binomial standard deviations at n = 600: holdout 20% ± 1.6%, B 30% ± 1.9% of all: 4 sd tolerance.
    expect(Math.abs(held / n - 0.2)).toBeLessThan(0.07);
    expect(Math.abs(b.doc.TotalEndpointCount! / n - 0.3)).toBeLessThan(0.08);
    expect(held + main.doc.TotalEndpointCount! + b.doc.TotalEndpointCount!).toBe(n);
    const rows = (await outbox(runner.store, w.appId)).filter((r) => r.message.requestId === main.id || r.message.requestId === b.id);
    expect(rows).toHaveLength(main.doc.TotalEndpointCount! + b.doc.TotalEndpointCount!);
    expect(new Set(rows.map((r) => r.message.endpointId)).size).toBe(rows.length);
    for (const r of rows.filter((x) => x.message.requestId === b.id)) expect(r.message.email!.text).toBe(`treatment B ${r.message.userId}`);
  }, 180_000);

  test("the treatment draw is per (campaign, endpoint): a second run of a recurring campaign puts every endpoint in the same place", async () => {
    // Kills the mutant draw() → Math.random(): the proportions above would still hold, the places would not.
    let clock = Date.parse("2032-01-01T00:00:00.000Z");
    const runner = await stack({ now: () => clock, leaseMs: 60_000 });
    const start = clock;
    const campaign = await insertCampaign(w, all, start, {
      CreationDate: new Date(start).toISOString(),
      HoldoutPercent: 20,
      AdditionalTreatments: [{ Id: "1", SizePercent: 30, TemplateConfiguration: { EmailTemplate: { Name: "plain-b" } } }],
      Schedule: {
        StartTime: new Date(start).toISOString(),
        EndTime: new Date(start + 2 * 3_600_000 - 1).toISOString(),
        Frequency: "HOURLY",
      },
    });
    await runToEnd([runner], campaign.Id!, 1);
    clock = start + 3_600_000 + 5;
    await runToEnd([runner], campaign.Id!, 2);
    const acts = await activitiesOf(w, campaign.Id!);
    const rows = await outbox(runner.store, w.appId);
    const placesOf = (scheduledStart: string) => {
      const places = new Map<string, string>(endpointIds.map((id) => [id, "holdout"]));
      for (const a of acts.filter((x) => x.doc.ScheduledStart === scheduledStart))
        for (const r of rows.filter((x) => x.message.requestId === a.id)) places.set(r.message.endpointId!, a.doc.TreatmentId!);
      return places;
    };
    const first = placesOf(new Date(start).toISOString());
    const second = placesOf(new Date(start + 3_600_000).toISOString());
    const counts = (m: Map<string, string>) => [...m.values()].reduce((c, p) => c.set(p, (c.get(p) ?? 0) + 1), new Map<string, number>());
    // Every place is used, so the comparison below is not between two runs that sent nothing.
    expect([...counts(first).keys()].sort()).toEqual(["0", "1", "holdout"]);
    expect(second).toEqual(first);
  }, 240_000);

  test("a recurring schedule on a fake clock: one run per period until EndTime, none caught up twice", async () => {
    let clock = Date.parse("2031-01-01T00:00:00.000Z");
    const runner = await stack({ now: () => clock, leaseMs: 60_000 });
    const start = clock;
    const campaign = await insertCampaign(w, gold, start, {
      CreationDate: new Date(start).toISOString(),
      Schedule: {
        StartTime: new Date(start).toISOString(),
        EndTime: new Date(start + 3 * 3_600_000 - 1).toISOString(),
        Frequency: "HOURLY",
      },
    });
    await runToEnd([runner], campaign.Id!, 1);
    expect(await nextRunAtOf(w, campaign.Id!)).toBe(start + 3_600_000);
    clock = start + 30 * 60_000;
    expect(await runner.services.runner.schedule()).toBe(0);
    clock = start + 3_600_000 + 5;
    await runToEnd([runner], campaign.Id!, 2);
    clock = start + 2 * 3_600_000;
    await runToEnd([runner], campaign.Id!, 3);
    expect(await nextRunAtOf(w, campaign.Id!)).toBeNull();
    clock = start + 10 * 3_600_000;
    expect(await runner.services.runner.schedule()).toBe(0);
    const acts = await activitiesOf(w, campaign.Id!);
    expect(acts.map((a) => a.doc.ScheduledStart)).toEqual([0, 1, 2].map((h) => new Date(start + h * 3_600_000).toISOString()));
    // Each run's messages are its own: every gold endpoint got one message per run.
    const rows = await outbox(runner.store, w.appId);
    for (const a of acts) expect(rows.filter((r) => r.message.requestId === a.id)).toHaveLength(endpointIds.length / 2);
  }, 240_000);

  test("a disabled channel sends nothing and the activity says why", async () => {
    const runner = await stack({ leaseMs: 60_000 });
    await w.client.send(
      new UpdateEmailChannelCommand({
        ApplicationId: w.appId,
        EmailChannelRequest: { FromAddress: "news@example.com", Identity: IDENTITY, Enabled: false },
      }),
    );
    try {
      const campaign = await insertCampaign(w, gold, Date.now());
      await runToEnd([runner], campaign.Id!);
      const [a] = await activitiesOf(w, campaign.Id!);
      expect(a.doc).toMatchObject({
        State: "COMPLETED",
        Result: "FAIL",
        TotalEndpointCount: endpointIds.length / 2,
        SuccessfulEndpointCount: 0,
      });
      expect(JSON.parse(a.doc.ExecutionMetrics!.FailureReasons)).toEqual({
        [`The EMAIL channel of application '${w.appId}' is disabled`]: endpointIds.length / 2,
      });
      expect((await outbox(runner.store, w.appId)).filter((r) => r.message.requestId === a.id)).toHaveLength(0);
    } finally {
      await w.client.send(
        new UpdateEmailChannelCommand({
          ApplicationId: w.appId,
          EmailChannelRequest: { FromAddress: "news@example.com", Identity: IDENTITY, Enabled: true },
        }),
      );
    }
  }, 180_000);

  test("a failing transformer sends nothing to its endpoints and the counts say so", async () => {
    const runner = await stack({ leaseMs: 60_000 });
    const campaign = await insertCampaign(w, gold, Date.now(), { TemplateConfiguration: { EmailTemplate: { Name: "failing" } } });
    await runToEnd([runner], campaign.Id!);
    const [a] = await activitiesOf(w, campaign.Id!);
    expect(a.doc).toMatchObject({
      State: "COMPLETED",
      Result: "FAIL",
      TotalEndpointCount: endpointIds.length / 2,
      SuccessfulEndpointCount: 0,
    });
    const reasons = JSON.parse(a.doc.ExecutionMetrics!.FailureReasons) as Record<string, number>;
    expect(Object.values(reasons).reduce((x, y) => x + y, 0)).toBe(endpointIds.length / 2);
    expect(Object.keys(reasons).join("\n")).toContain("transformer down");
    expect((await outbox(runner.store, w.appId)).filter((r) => r.message.requestId === a.id)).toHaveLength(0);
  }, 180_000);

  test("Limits.MessagesPerSecond holds across two runners; Limits.Total stops a second run", async () => {
    const a = await stack({ leaseMs: 60_000 });
    const b = await stack({ leaseMs: 60_000 });
    const campaign = await insertCampaign(w, all, Date.now(), { Limits: { MessagesPerSecond: 100, Total: 1 } });
    await runToEnd([a, b], campaign.Id!);
    const [act] = await activitiesOf(w, campaign.Id!);
    expect(act.doc.SuccessfulEndpointCount).toBe(endpointIds.length);
    const times = (await outbox(a.store, w.appId))
      .filter((r) => r.message.requestId === act.id)
      .map((r) => Date.parse(r.createdAt))
      .sort((x, y) => x - y);
    // 600 messages granted 100 per one-second window span at least 4 windows' starts (600/100 - 2 s), whatever
    // the alignment; two runners each keeping 100/s on their own would finish in about 3 s (600/200).
    expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(3_900);
    // And per one-second window (the limiter's windows are whole seconds of the clock): two runners
    // each keeping 100/s on their own would put about 200 in the middle windows. A message granted at
    // the end of a window may be written in the next one, hence the slack above 100.
    const perWindow = new Map<number, number>();
    for (const t of times) perWindow.set(Math.floor(t / 1000), (perWindow.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(150);

    // A second run of the same campaign: Total 1 per endpoint is used up.
    await w.db.run("UPDATE message_campaigns SET next_run_at = ? WHERE id = ?", [Date.now(), campaign.Id]);
    await runToEnd([a, b], campaign.Id!, 2);
    const second = (await activitiesOf(w, campaign.Id!))[1];
    expect(second.doc).toMatchObject({ State: "COMPLETED", TotalEndpointCount: 0, SuccessfulEndpointCount: 0 });
    expect(Number(second.doc.ExecutionMetrics!.LimitedEndpointCount)).toBe(endpointIds.length);
  }, 240_000);

  test("a batch that keeps failing (its segment is gone) is retried with backoff, then the run ends with the reason", async () => {
    const runner = await stack({ leaseMs: 1_000, expectFailures: true });
    const campaign = await insertCampaign(w, "no-such-segment", Date.now());
    await runToEnd([runner], campaign.Id!);
    const [a] = await activitiesOf(w, campaign.Id!);
    expect(a.doc).toMatchObject({ State: "COMPLETED", Result: "FAIL", TotalEndpointCount: 0, SuccessfulEndpointCount: 0 });
    expect(a.doc.ExecutionMetrics!.FailedBatchCount).toBe("1");
    expect(a.doc.ExecutionMetrics!.FailureReasons).toContain("failed 5 times");
    expect(a.doc.ExecutionMetrics!.FailureReasons).toContain("no-such-segment");
    const [batch] = await w.db.all<{ attempts: number | string; status: string }>(
      "SELECT b.attempts, b.status FROM campaign_batches b JOIN campaign_runs r ON r.seq = b.run_seq WHERE r.campaign_id = ?",
      [campaign.Id],
    );
    expect(Number(batch.attempts)).toBe(5);
  }, 120_000);

  test("QuietTime: endpoints whose own clock is in the quiet time get nothing; endpoints without a time zone are sent", async () => {
    const runner = await stack({ leaseMs: 60_000 });
    await putEndpoints(
      w.client,
      w.appId,
      [0, 1, 2].map((i) => ({
        Id: `quiet-${i}`,
        ChannelType: "EMAIL",
        Address: `quiet${i}@example.com`,
        User: { UserId: `u${i}` },
        Demographic: { Timezone: "UTC" },
        Attributes: { plan: ["quiet"] },
      })),
    );
    await putEndpoints(w.client, w.appId, [
      { Id: "loud-0", ChannelType: "EMAIL", Address: "loud0@example.com", User: { UserId: "u9" }, Attributes: { plan: ["quiet"] } },
    ]);
    const segment = await createSegment(w, ["quiet"]);
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const campaign = await insertCampaign(w, segment, Date.now(), {
      Schedule: {
        StartTime: "IMMEDIATE",
        Frequency: "ONCE",
        QuietTime: { Start: hhmm(Date.now() - 3_600_000), End: hhmm(Date.now() + 3_600_000) },
      },
    });
    await runToEnd([runner], campaign.Id!);
    const [a] = await activitiesOf(w, campaign.Id!);
    expect(a.doc).toMatchObject({ State: "COMPLETED", Result: "SUCCESS", TotalEndpointCount: 1, SuccessfulEndpointCount: 1 });
    expect(a.doc.ExecutionMetrics!.QuietTimeEndpointCount).toBe("3");
    expect((await outbox(runner.store, w.appId)).filter((r) => r.message.requestId === a.id).map((r) => r.message.endpointId)).toEqual([
      "loud-0",
    ]);
  }, 120_000);

  test("runForEndpoints (an EVENT run) sends to just those endpoints, once per run key", async () => {
    const runner = await stack({ leaseMs: 60_000 });
    const campaign = await insertCampaign(w, all, null, { Schedule: { Frequency: "EVENT", StartTime: new Date().toISOString() } });
    const targets = endpointIds.slice(0, 3);
    await runner.services.runner.runForEndpoints(
      { accountId: "111122223333", region: "us-east-1" },
      w.appId,
      campaign,
      targets,
      "evt-1",
      new Date().toISOString(),
    );
    await runner.services.runner.runForEndpoints(
      { accountId: "111122223333", region: "us-east-1" },
      w.appId,
      campaign,
      targets,
      "evt-1",
      new Date().toISOString(),
    );
    await runToEnd([runner], campaign.Id!);
    const acts = await activitiesOf(w, campaign.Id!);
    expect(acts).toHaveLength(1);
    const rows = (await outbox(runner.store, w.appId)).filter((r) => r.message.requestId === acts[0].id);
    expect(rows.map((r) => r.message.endpointId).sort()).toEqual(targets);
    expect(acts[0].doc).toMatchObject({ TotalEndpointCount: 3, SuccessfulEndpointCount: 3, Result: "SUCCESS" });
  }, 180_000);
});
