/**
 * The campaign runner every pinrec process runs: a scheduler that fires due campaign runs, and
 * batch workers that send them (see store/pinpoint-campaign-runs.ts for how both stay exact across
 * processes). With SQLite one process does everything; with PostgreSQL every process on the
 * database schedules and takes batches.
 *
 * Why `FOR UPDATE SKIP LOCKED` on our own table rather than pg-boss: the run, its activities and
 * its first batch must be written in the same transaction as the compare-and-set of
 * `next_run_at`, and a batch must be finished in the same transaction that adds its counts to the
 * activities. That needs the jobs in our schema, on our connection, and on SQLite too (pg-boss is
 * PostgreSQL only and keeps its own schema and connections). The outbox already claims this way,
 * so there is one pattern to read and test.
 */
import { PollLoop } from "../../../shared/poll-loop.js";
import { DEFAULT_RUNNER_LEASE_MS } from "./defaults.js";
import { randomUUID } from "node:crypto";
import type { ActivityResponse, CampaignResponse } from "@aws-sdk/client-pinpoint";
import type { ChannelService } from "../../channels/service.js";
import type { MessagePipeline } from "../../messaging/pipeline.js";
import type { SegmentService } from "../../segments/service.js";
import { newResourceId } from "../../../shared/ids.js";
import type { CampaignRun, ClaimedBatch, DueCampaign, NewRun } from "../../../store/pinpoint-campaign-runs.js";
import { chunks } from "../../../store/sql.js";
import type { Store, Tenant } from "../../../store/types.js";
import type { CampaignRunner } from "../contracts.js";
import { localRunSpan, nextFiring } from "../schedule.js";
import { BatchProcessor } from "./batch.js";
import { treatmentsOf } from "./treatments.js";

export { DEFAULT_RUNNER_LEASE_MS } from "./defaults.js";
export const DEFAULT_RUNNER_POLL_MS = 500;
export const DEFAULT_RUNNER_BATCH = 250;
export const DEFAULT_RUNNER_CONCURRENCY = 2;
/** How long closing waits for the batches being sent. */
export const DEFAULT_RUNNER_SHUTDOWN_MS = 10_000;
/** Tries of a batch that keeps failing before its run gives up on it. */
export const MAX_BATCH_ATTEMPTS = 5;

export interface RunnerOptions {
  /** The scheduler's clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
  /** How often the scheduler looks for due runs, and idle workers for batches. */
  pollMs?: number;
  /** How long a claimed batch stays with a process that stopped renewing it. */
  leaseMs?: number;
  /** Endpoints per batch. */
  batchSize?: number;
  /** Batches one process sends at once. */
  concurrency?: number;
  /** Told about failures the loops survive (a database hiccup); the loops carry on. */
  onError?: (err: unknown) => void;
}

export interface RunnerDeps {
  store: Store;
  segments: SegmentService;
  channels: ChannelService;
  pipeline: MessagePipeline;
}

export class CampaignRunnerService implements CampaignRunner {
  /** Told about failures the loops survive (the server logs them). */
  private readonly onError: (err: unknown) => void;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly processor: BatchProcessor;
  private readonly loop: PollLoop;
  private stopped = false;
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly deps: RunnerDeps,
    opts: RunnerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => {});
    this.pollMs = opts.pollMs ?? DEFAULT_RUNNER_POLL_MS;
    this.leaseMs = opts.leaseMs ?? DEFAULT_RUNNER_LEASE_MS;
    this.batchSize = opts.batchSize ?? DEFAULT_RUNNER_BATCH;
    this.concurrency = opts.concurrency ?? DEFAULT_RUNNER_CONCURRENCY;
    this.processor = new BatchProcessor({
      ...deps,
      now: this.now,
      batchSize: this.batchSize,
      onQueued: () => this.wake(),
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(1, ms))),
    });
    this.loop = new PollLoop(() => this.tick(), this.pollMs);
  }

  /** Starts polling: the scheduler and the batch workers. */
  start(): void {
    if (this.stopped) return;
    this.loop.start();
  }

  /** Looks for due runs and batches now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** One pass: fire what is due, then fill the free worker slots with batches. */
  async tick(): Promise<void> {
    try {
      await this.schedule();
      await this.fill();
    } catch (err) {
      this.onError(err);
    }
  }

  /** Fires every due run this process wins; returns how many it fired. */
  async schedule(): Promise<number> {
    let fired = 0;
    for (const due of await this.deps.store.pinpointCampaignRuns.due(this.now(), 20)) {
      // next_run_at is when the run starts, ahead of its scheduled instant for an IsLocalTime schedule.
      const { scheduledAt, nextFiresAt } = nextFiring(due.campaign, due.nextRunAt, this.now());
      if (
        await this.deps.store.pinpointCampaignRuns.fire(
          due,
          nextFiresAt,
          this.newRun(due.tenant, due.appId, due.campaign, `scheduled:${new Date(scheduledAt).toISOString()}`, scheduledAt),
        )
      )
        fired++;
    }
    return fired;
  }

  async runForEndpoints(
    tenant: Tenant,
    appId: string,
    campaign: CampaignResponse,
    endpointIds: string[],
    runKey: string,
    scheduledTime: string,
  ): Promise<void> {
    const scheduledAt = Date.parse(scheduledTime);
    const run = this.newRun(tenant, appId, campaign, `event:${runKey}`, Number.isNaN(scheduledAt) ? this.now() : scheduledAt);
    run.endpointBatches = chunks([...new Set(endpointIds)], this.batchSize);
    if (run.endpointBatches.length === 0) run.endpointBatches = [[]];
    if (await this.deps.store.pinpointCampaignRuns.start(run)) this.wake();
  }

  private newRun(tenant: Tenant, appId: string, campaign: CampaignResponse, runKey: string, scheduledAt: number): NewRun {
    const scheduledStart = new Date(scheduledAt).toISOString();
    const maxSeconds = campaign.Limits?.MaximumDuration;
    // An IsLocalTime run's last endpoints are due at the end of its span: the limit counts from there.
    const span = localRunSpan(campaign, scheduledAt);
    return {
      tenant,
      appId,
      campaignId: campaign.Id!,
      runKey,
      scheduledAt,
      startAt: span.from,
      ...(maxSeconds !== undefined && maxSeconds > 0 && { deadlineAt: span.to + maxSeconds * 1000 }),
      campaign,
      activities: treatmentsOf(campaign).map((t) => {
        const activityId = newResourceId();
        const doc: ActivityResponse = {
          ApplicationId: appId,
          CampaignId: campaign.Id,
          Id: activityId,
          ScheduledStart: scheduledStart,
          State: "PENDING",
          TreatmentId: t.id,
          TotalEndpointCount: 0,
          SuccessfulEndpointCount: 0,
          TimezonesTotalCount: 0,
          TimezonesCompletedCount: 0,
        };
        return { treatmentId: t.id, activityId, doc };
      }),
    };
  }

  /** Claims batches for the free slots and works them in the background. */
  private async fill(): Promise<void> {
    while (!this.stopped && this.active.size < this.concurrency) {
      const token = randomUUID();
      const [batch] = await this.deps.store.pinpointCampaignRuns.claim(token, this.now(), this.now() + this.leaseMs, 1);
      if (!batch) return;
      const work = this.work(batch).finally(() => {
        this.active.delete(work);
        // A finished batch may have queued the next range: look again at once.
        if (this.loop.isRunning) this.wake();
      });
      this.active.add(work);
    }
  }

  private async work(batch: ClaimedBatch): Promise<void> {
    const runs = this.deps.store.pinpointCampaignRuns;
    const renew = setInterval(
      () => {
        runs.renew(batch.token, this.now() + this.leaseMs).catch((err) => this.onError(err));
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    let run: CampaignRun | undefined;
    try {
      run = await runs.run(batch.runSeq);
      if (!run) return;
      if (batch.attempts > MAX_BATCH_ATTEMPTS) {
        await this.quarantine(batch, run);
        return;
      }
      if (batch.ordinal === 0) await runs.markRunning(run, new Date(this.now()).toISOString());
      await this.processor.process(run, batch);
    } catch (err) {
      this.onError(err);
      await this.retryOrGiveUp(batch, run, err).catch((e) => this.onError(e));
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * A batch that threw (its segment or template deleted mid-run, the database away) goes back to
   * the queue after a backoff; after MAX_BATCH_ATTEMPTS it is finished with the error as the
   * activity's failure reason, so one bad batch cannot retry for ever. (A process that dies
   * instead leaves its batch claimed until the lease runs out.)
   */
  private async retryOrGiveUp(batch: ClaimedBatch, run: CampaignRun | undefined, err: unknown): Promise<void> {
    const runs = this.deps.store.pinpointCampaignRuns;
    if (run && batch.attempts >= MAX_BATCH_ATTEMPTS) {
      const reason = `A batch of this run failed ${batch.attempts} times: ${err instanceof Error ? err.message : String(err)}`;
      const tallies = new Map(
        run.activities.map((a) => [a.activityId, { total: 0, successful: 0, metrics: { FailedBatchCount: 1 }, reasons: { [reason]: 1 } }]),
      );
      await runs.finish(batch, run, tallies, new Date(this.now()).toISOString());
      return;
    }
    await runs.release(batch, this.now() + Math.min(this.leaseMs, 250 * 2 ** batch.attempts));
  }

  /**
   * A batch claimed more than MAX_BATCH_ATTEMPTS times: a batch that throws is finished at its
   * last attempt (retryOrGiveUp), so this one's claims ended with their process (killed, out of
   * memory, crashed) before it finished. Running it again could take this process down too, and
   * the next, for ever; it is finished unsent, as a failed batch with the reason, instead.
   */
  private async quarantine(batch: ClaimedBatch, run: CampaignRun): Promise<void> {
    const reason = `A batch of this run was quarantined: it was claimed ${batch.attempts - 1} times and its process stopped before finishing it each time; it is not run again`;
    const tallies = new Map(
      run.activities.map((a) => [a.activityId, { total: 0, successful: 0, metrics: { FailedBatchCount: 1 }, reasons: { [reason]: 1 } }]),
    );
    await this.deps.store.pinpointCampaignRuns.finish(batch, run, tallies, new Date(this.now()).toISOString());
  }

  /** Resolves once no batch is being worked in this process (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.active.size > 0 || this.loop.current) await Promise.all([...this.active, this.loop.current]);
  }

  /**
   * Stops claiming; waits up to `boundMs` for the batches being sent (a rate-limited batch can take
   * long). One still running after that is left to its lease: another process re-runs it, and its
   * idempotency keys keep the messages already accepted from going out twice.
   */
  async close(boundMs = DEFAULT_RUNNER_SHUTDOWN_MS): Promise<void> {
    this.stopped = true;
    this.loop.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((r) => (timer = setTimeout(r, boundMs)))]);
    clearTimeout(timer);
  }
}

export type { DueCampaign };
