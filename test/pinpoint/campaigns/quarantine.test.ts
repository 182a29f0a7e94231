/**
 * A campaign batch whose process keeps dying while it holds the batch (killed, out of memory, a
 * crash in rendering) is quarantined: after MAX_BATCH_ATTEMPTS unfinished claims it is finished
 * unsent with the reason, instead of being claimed again by every process that starts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MAX_BATCH_ATTEMPTS } from "../../../src/pinpoint/campaigns/runner/index.js";
import { STORE_KINDS } from "../../helpers.js";
import {
  activitiesOf,
  addEndpoints,
  createSegment,
  insertCampaign,
  outbox,
  runToEnd,
  runnerStack,
  world,
  type World,
} from "./runner-fixtures.js";

describe.each(STORE_KINDS)("campaign batch quarantine: %s", (kind) => {
  let w: World;
  let segment: string;

  beforeAll(async () => {
    w = await world(kind);
    await addEndpoints(w, 5, "q-");
    segment = await createSegment(w, ["gold", "basic"]);
  }, 180_000);

  afterAll(async () => {
    await w?.dispose();
  });

  /** The run's batches as if `claims` processes had each claimed them and died (their leases long over). */
  async function diedHolding(campaignId: string, claims: number): Promise<void> {
    await w.db.run(
      `UPDATE campaign_batches SET status = 'RUNNING', claim_token = 'dead-process', attempts = ?, due_at = 0
       WHERE run_seq IN (SELECT seq FROM campaign_runs WHERE campaign_id = ?)`,
      [claims, campaignId],
    );
  }

  const batchesOf = (campaignId: string) =>
    w.db.all<{ attempts: number | string; status: string }>(
      "SELECT b.attempts, b.status FROM campaign_batches b JOIN campaign_runs r ON r.seq = b.run_seq WHERE r.campaign_id = ?",
      [campaignId],
    );

  test("a batch whose process died MAX_BATCH_ATTEMPTS times is finished unsent with the reason, and never claimed again", async () => {
    const runner = await runnerStack(w, { leaseMs: 1_000, expectFailures: true });
    const campaign = await insertCampaign(w, segment, Date.now());
    expect(await runner.services.runner.schedule()).toBe(1);
    await diedHolding(campaign.Id!, MAX_BATCH_ATTEMPTS);
    await runToEnd(w, [runner], campaign.Id!);
    const [a] = await activitiesOf(w, campaign.Id!);
    expect(a.doc).toMatchObject({ State: "COMPLETED", Result: "FAIL", SuccessfulEndpointCount: 0 });
    expect(a.doc.ExecutionMetrics!.FailedBatchCount).toBe("1");
    expect(a.doc.ExecutionMetrics!.FailureReasons).toContain(`quarantined: it was claimed ${MAX_BATCH_ATTEMPTS} times`);
    const sent = (await outbox(runner.store, w.appId)).filter((m) => m.message.endpointId?.startsWith("q-"));
    expect(sent).toHaveLength(0);
    const batches = await batchesOf(campaign.Id!);
    expect(batches.map((b) => Number(b.attempts))).toEqual([MAX_BATCH_ATTEMPTS + 1]);
    expect(batches[0].status).not.toMatch(/QUEUED|RUNNING/);
    // Another tick claims nothing more.
    await runner.services.runner.tick();
    await runner.services.runner.idle();
    expect((await batchesOf(campaign.Id!)).map((b) => Number(b.attempts))).toEqual([MAX_BATCH_ATTEMPTS + 1]);
  }, 120_000);

  test("one that died fewer times is run again and sends", async () => {
    const runner = await runnerStack(w, { leaseMs: 1_000 });
    const campaign = await insertCampaign(w, segment, Date.now());
    expect(await runner.services.runner.schedule()).toBe(1);
    await diedHolding(campaign.Id!, MAX_BATCH_ATTEMPTS - 1);
    await runToEnd(w, [runner], campaign.Id!);
    const [a] = await activitiesOf(w, campaign.Id!);
    expect(a.doc).toMatchObject({ State: "COMPLETED", SuccessfulEndpointCount: 5 });
  }, 120_000);
});
