/**
 * The campaign runner against time, on real stores with the real pipeline: IsLocalTime runs reach
 * each endpoint at its own local time (and survive a restart while held back), Limits.MaximumDuration
 * stops a run, Limits.Daily holds across runs in one day, a stalled worker's batch is taken over
 * without sending anything twice, and a range batch reads endpoints added inside its range mid-run.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateCampaignCommand, CreateEmailTemplateCommand, type EndpointBatchItem } from "@aws-sdk/client-pinpoint";
import { STORE_KINDS } from "../../helpers.js";
import { createRecommender, putEndpoints } from "../messaging/send-fixtures.js";
import {
  activitiesOf,
  addEndpoints,
  createSegment,
  insertCampaign,
  nextRunAtOf,
  outbox,
  runToEnd,
  runnerStack,
  world,
  type World,
} from "./runner-fixtures.js";

const at = (iso: string) => Date.parse(iso);

/** EMAIL endpoints `${prefix}…` in segment plan `plan`, with the given time zone (none: no Demographic). */
function endpointsIn(prefix: string, n: number, plan: string, timezone?: string): EndpointBatchItem[] {
  return Array.from({ length: n }, (_, i) => ({
    Id: `${prefix}${String(i).padStart(5, "0")}`,
    ChannelType: "EMAIL",
    Address: `${prefix}${i}@example.com`,
    User: { UserId: `u${i % 300}` },
    ...(timezone !== undefined && { Demographic: { Timezone: timezone } }),
    Attributes: { plan: [plan] },
  }));
}

describe.each(STORE_KINDS)("campaign runner timing: %s", (kind) => {
  let w: World;
  let gold: string;
  let all: string;
  const stack = (opts: Parameters<typeof runnerStack>[1] = {}) => runnerStack(w, opts);
  /** Messages of an activity in the outbox, by endpoint id. */
  const sentTo = async (store: Awaited<ReturnType<typeof stack>>["store"], activityId: string) =>
    (await outbox(store, w.appId))
      .filter((r) => r.message.requestId === activityId)
      .map((r) => r.message.endpointId!)
      .sort();
  /** Ticks until nothing due is left unworked at the runner's current clock. */
  const settle = async (r: Awaited<ReturnType<typeof stack>>) => {
    for (let i = 0; i < 4; i++) {
      await r.services.runner.tick();
      await r.services.runner.idle();
    }
  };

  beforeAll(async () => {
    w = await world(kind);
    await addEndpoints(w, 600);
    gold = await createSegment(w, ["gold"]);
    all = await createSegment(w, ["gold", "basic"]);
  }, 180_000);

  afterAll(async () => {
    await w?.dispose();
  });

  test("IsLocalTime: endpoints in three time zones get the message at their own local time, not before, across a restart", async () => {
    await putEndpoints(w.client, w.appId, [
      ...endpointsIn("lt-tokyo-", 2, "local", "Asia/Tokyo"),
      ...endpointsIn("lt-berlin-", 2, "local", "Europe/Berlin"),
      ...endpointsIn("lt-ny-", 2, "local", "America/New_York"),
      ...endpointsIn("lt-none-", 1, "local"),
    ]);
    const segment = await createSegment(w, ["local"]);
    // 09:00 in each endpoint's zone on 1 June 2031 (summer time): Tokyo 00:00Z, Berlin 07:00Z, New York 13:00Z;
    // the endpoint without a time zone at the reference time, 09:00Z.
    const created = await w.client.send(
      new CreateCampaignCommand({
        ApplicationId: w.appId,
        WriteCampaignRequest: {
          Name: "local nine",
          SegmentId: segment,
          Schedule: { StartTime: "2031-06-01T09:00:00Z", Frequency: "ONCE", IsLocalTime: true, Timezone: "UTC" },
          TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
        },
      }),
    );
    const campaignId = created.CampaignResponse!.Id!;
    // The scheduler starts the run when 09:00 reaches UTC+14, the earliest local time there is.
    const start = at("2031-05-31T19:00:00Z");
    expect(await nextRunAtOf(w, campaignId)).toBe(start);

    let clock = start - 1_000;
    let runner = await stack({ now: () => clock, leaseMs: 60_000 });
    expect(await runner.services.runner.schedule()).toBe(0);
    clock = start;
    await settle(runner);
    const [first] = await activitiesOf(w, campaignId);
    expect(first.doc).toMatchObject({
      ScheduledStart: "2031-06-01T09:00:00.000Z",
      State: "RUNNING",
      TimezonesTotalCount: 4,
      TimezonesCompletedCount: 0,
      SuccessfulEndpointCount: 0,
    });
    expect(await sentTo(runner.store, first.id)).toEqual([]);
    const held = await w.db.all<{ due_at: number | string }>(
      "SELECT b.due_at FROM campaign_batches b JOIN campaign_runs r ON r.seq = b.run_seq WHERE r.campaign_id = ? AND b.status = 'QUEUED' ORDER BY b.due_at",
      [campaignId],
    );
    expect(held.map((h) => new Date(Number(h.due_at)).toISOString())).toEqual([
      "2031-06-01T00:00:00.000Z",
      "2031-06-01T07:00:00.000Z",
      "2031-06-01T09:00:00.000Z",
      "2031-06-01T13:00:00.000Z",
    ]);

    // A restart: the held batches are in the database, not in the process that held them.
    await runner.close();
    runner = await stack({ now: () => clock, leaseMs: 60_000 });

    const steps: [string, string[], number][] = [
      ["2031-05-31T23:59:59Z", [], 0],
      ["2031-06-01T00:00:00Z", ["lt-tokyo-00000", "lt-tokyo-00001"], 1],
      ["2031-06-01T06:59:00Z", ["lt-tokyo-00000", "lt-tokyo-00001"], 1],
      ["2031-06-01T07:00:00Z", ["lt-berlin-00000", "lt-berlin-00001", "lt-tokyo-00000", "lt-tokyo-00001"], 2],
      ["2031-06-01T09:00:00Z", ["lt-berlin-00000", "lt-berlin-00001", "lt-none-00000", "lt-tokyo-00000", "lt-tokyo-00001"], 3],
    ];
    for (const [time, expected, completedZones] of steps) {
      clock = at(time);
      await settle(runner);
      expect(await sentTo(runner.store, first.id), time).toEqual(expected);
      const [a] = await activitiesOf(w, campaignId);
      expect(a.doc, time).toMatchObject({
        State: "RUNNING",
        TimezonesTotalCount: 4,
        TimezonesCompletedCount: completedZones,
        SuccessfulEndpointCount: expected.length,
      });
    }
    clock = at("2031-06-01T13:00:00Z");
    await settle(runner);
    expect(await sentTo(runner.store, first.id)).toHaveLength(7);
    const [done] = await activitiesOf(w, campaignId);
    expect(done.doc).toMatchObject({
      State: "COMPLETED",
      Result: "SUCCESS",
      TotalEndpointCount: 7,
      SuccessfulEndpointCount: 7,
      TimezonesTotalCount: 4,
      TimezonesCompletedCount: 4,
    });
    expect(JSON.parse(done.doc.ExecutionMetrics!.Timezones)).toEqual(["America/New_York", "Asia/Tokyo", "Europe/Berlin", "UTC"]);
    expect(done.doc.ExecutionMetrics!.PendingTimezones).toBeUndefined();
  }, 180_000);

  test("Limits.MaximumDuration stops a run: the batches after it send nothing and the activity says why", async () => {
    let clock = Date.now();
    const runner = await stack({ now: () => clock, leaseMs: 60_000 });
    const campaign = await insertCampaign(w, all, clock, { Limits: { MaximumDuration: 60 } });
    // One pass sends the first range (250 endpoints) and cuts the other two.
    await runner.services.runner.tick();
    await runner.services.runner.idle();
    clock += 61_000;
    await runToEnd(w, [runner], campaign.Id!);
    const [a] = await activitiesOf(w, campaign.Id!);
    expect(await sentTo(runner.store, a.id)).toHaveLength(250);
    expect(a.doc).toMatchObject({ State: "COMPLETED", Result: "FAIL", TotalEndpointCount: 250, SuccessfulEndpointCount: 250 });
    expect(a.doc.ExecutionMetrics!.StoppedByMaximumDuration).toBe("2");
    expect(JSON.parse(a.doc.ExecutionMetrics!.FailureReasons)).toEqual({
      "Limits.MaximumDuration (60 seconds) passed before this batch was sent": 2,
    });
  }, 180_000);

  test("Limits.Daily: a second run the same day sends nothing to endpoints at their limit; a run a day later sends again", async () => {
    const start = at("2032-03-01T00:00:00Z");
    let clock = start;
    const runner = await stack({ now: () => clock, leaseMs: 60_000 });
    const campaign = await insertCampaign(w, gold, start, {
      Limits: { Daily: 1 },
      Schedule: {
        StartTime: new Date(start).toISOString(),
        EndTime: new Date(start + 2 * 3_600_000 + 1).toISOString(),
        Frequency: "HOURLY",
      },
    });
    await runToEnd(w, [runner], campaign.Id!, 1);
    clock = start + 3_600_000;
    await runToEnd(w, [runner], campaign.Id!, 2);
    // The third run (scheduled two hours in) fires late, a day after the first: the first's sends are out of the window.
    clock = start + 25 * 3_600_000;
    await runToEnd(w, [runner], campaign.Id!, 3);
    const [one, two, three] = await activitiesOf(w, campaign.Id!);
    expect(one.doc).toMatchObject({ TotalEndpointCount: 300, SuccessfulEndpointCount: 300 });
    expect(two.doc).toMatchObject({ TotalEndpointCount: 0, SuccessfulEndpointCount: 0 });
    expect(two.doc.ExecutionMetrics!.LimitedEndpointCount).toBe("300");
    expect(three.doc).toMatchObject({ TotalEndpointCount: 300, SuccessfulEndpointCount: 300 });
    expect(three.doc.ExecutionMetrics!.LimitedEndpointCount).toBeUndefined();
    expect(await sentTo(runner.store, one.id)).toHaveLength(300);
    expect(await sentTo(runner.store, two.id)).toHaveLength(0);
    expect(await sentTo(runner.store, three.id)).toEqual(await sentTo(runner.store, one.id));
  }, 240_000);

  test("a worker that stalls past its lease: another runner takes the batch over and nothing is sent or counted twice", async () => {
    writeFileSync(
      join(w.functionsDir, "stall.mjs"),
      `export const handler = async (event) => {
  await new Promise((r) => setTimeout(r, 3000));
  for (const endpoint of Object.values(event.Endpoints)) endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "Title of " + id) };
  return event.Endpoints;
};`,
    );
    const stalling = await createRecommender(w.client, w.campaignArn, {
      RecommendationTransformerUri: "stall",
      Attributes: { "Recommendations.Title": "Title" },
    });
    await w.client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "stalling",
        EmailTemplateRequest: { Subject: "s", TextPart: "{{Recommendations.Title.[0]}}", RecommenderId: stalling },
      }),
    );
    await putEndpoints(w.client, w.appId, endpointsIn("stall-", 5, "stall"));
    const segment = await createSegment(w, ["stall"]);
    const t0 = Date.now();
    // A's clock stands still, so the lease it keeps renewing ends (for B) 1 s after it claimed.
    const a = await stack({ now: () => t0, leaseMs: 1_000 });
    const b = await stack({ now: () => Date.now() + 10_000, leaseMs: 60_000 });
    const campaign = await insertCampaign(w, segment, t0, { TemplateConfiguration: { EmailTemplate: { Name: "stalling" } } });
    await a.services.runner.tick();
    const batchOf = () =>
      w.db.all<{ status: string; attempts: number | string }>(
        "SELECT b.status, b.attempts FROM campaign_batches b JOIN campaign_runs r ON r.seq = b.run_seq WHERE r.campaign_id = ?",
        [campaign.Id],
      );
    expect((await batchOf()).map((x) => x.status)).toEqual(["RUNNING"]);
    await b.services.runner.tick();
    await Promise.all([a.services.runner.idle(), b.services.runner.idle()]);
    const [act] = await activitiesOf(w, campaign.Id!);
    expect(act.doc).toMatchObject({ State: "COMPLETED", Result: "SUCCESS", TotalEndpointCount: 5, SuccessfulEndpointCount: 5 });
    const rows = await sentTo(a.store, act.id);
    expect(rows).toEqual(["stall-00000", "stall-00001", "stall-00002", "stall-00003", "stall-00004"]);
    // Claimed twice (A, then B), finished once: B's counts, A's finish lost with its claim.
    expect((await batchOf()).map((x) => [x.status, Number(x.attempts)])).toEqual([["DONE", 2]]);
  }, 120_000);

  test("a range batch reads its whole range: endpoints added inside an already-cut range mid-run are all sent", async () => {
    await putEndpoints(w.client, w.appId, endpointsIn("rng-", 300, "range"));
    const segment = await createSegment(w, ["range"]);
    const runner = await stack({ leaseMs: 60_000 });
    const campaign = await insertCampaign(w, segment, Date.now());
    // The first pass sends rng-00000…rng-00249 and cuts the next range (rng-00249, rng-00299].
    await runner.services.runner.tick();
    await runner.services.runner.idle();
    // 300 endpoints whose keys fall inside that range: it now holds 350, more than a page.
    await putEndpoints(w.client, w.appId, endpointsIn("rng-00260-x", 300, "range"));
    await runToEnd(w, [runner], campaign.Id!);
    const [a] = await activitiesOf(w, campaign.Id!);
    expect(a.doc).toMatchObject({ State: "COMPLETED", TotalEndpointCount: 600, SuccessfulEndpointCount: 600 });
    const sent = await sentTo(runner.store, a.id);
    expect(sent).toHaveLength(600);
    expect(new Set(sent).size).toBe(600);
  }, 180_000);
});
