/**
 * The journey executor every pinrec process runs: it enters the endpoints of ACTIVE segment
 * journeys and advances due participants one activity at a time, with the same leased-row
 * machinery as the campaign runner (store/journey-participants.ts): with SQLite one process does
 * everything; with PostgreSQL every process on the database enters and advances, each row claimed
 * by one of them at a time. Waits are due times in the database; a PAUSED journey's participants
 * are not claimed, so they hold where they are.
 */
import { PollLoop } from "../../../shared/poll-loop.js";
import { randomUUID } from "node:crypto";
import type { JourneyResponse } from "@aws-sdk/client-pinpoint";
import type { ClaimedParticipant, OpenJourney } from "../../../store/journey-participants.js";
import { timestampMs } from "../../../shared/timestamps.js";
import { JourneyStep, Tally, type StepDeps } from "./step.js";

export const DEFAULT_EXECUTOR_POLL_MS = 500;
export const DEFAULT_EXECUTOR_LEASE_MS = 60_000;
/** Participants one claim takes. */
export const DEFAULT_EXECUTOR_BATCH = 500;
/** Segment endpoints read per page when a journey's participants enter. */
const ENTRY_PAGE = 1000;
/** One segment read per journey and run: Pinpoint's journeys without a RefreshFrequency read their segment once. */
export const FIRST_RUN = "1";

export interface ExecutorOptions {
  /** The executor's clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
  pollMs?: number;
  leaseMs?: number;
  batchSize?: number;
  onError?: (err: unknown) => void;
}

export class JourneyExecutor {
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly onError: (err: unknown) => void;
  private readonly step: JourneyStep;
  private readonly loop: PollLoop;

  constructor(
    private readonly deps: StepDeps,
    opts: ExecutorOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.pollMs = opts.pollMs ?? DEFAULT_EXECUTOR_POLL_MS;
    this.leaseMs = opts.leaseMs ?? DEFAULT_EXECUTOR_LEASE_MS;
    this.batchSize = opts.batchSize ?? DEFAULT_EXECUTOR_BATCH;
    this.onError = opts.onError ?? (() => {});
    this.step = new JourneyStep(deps);
    this.loop = new PollLoop(() => this.tick(), this.pollMs);
  }

  start(): void {
    this.loop.start();
  }

  /** Looks for entries and due participants now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** One pass: enter what may enter, then advance due participants until none is due. */
  async tick(): Promise<void> {
    try {
      for (const j of await this.deps.store.journeyParticipants.openForEntry(20)) await this.enter(j);
      // Until nothing is due: a participant moved on to an activity due now takes it in this pass.
      while ((await this.advanceOnce()) > 0);
    } catch (err) {
      this.onError(err);
    }
  }

  /**
   * Enters a journey's segment (SegmentStartCondition) once its start time has come, page by page;
   * the last page closes its entry. Entering is idempotent per endpoint, so a process that dies
   * mid-entry leaves the rest to the next pass. An ended journey's entry closes without entrants.
   */
  private async enter({ tenant, appId, doc }: OpenJourney): Promise<void> {
    const { store, segments } = this.deps;
    const now = this.now();
    const start = timestampMs(doc.Schedule?.StartTime as unknown);
    const end = timestampMs(doc.Schedule?.EndTime as unknown);
    if (start !== undefined && start > now) return;
    const participants = store.journeyParticipants;
    const segmentId = doc.StartCondition?.SegmentStartCondition?.SegmentId;
    if ((end !== undefined && end <= now) || !doc.StartActivity) {
      await participants.enter(tenant, appId, doc.Id!, FIRST_RUN, [], doc.StartActivity ?? "", now, true);
      return;
    }
    // EventStartCondition journeys are entered by events (not run by this executor yet).
    if (!segmentId) return;
    const criteria = await segments.criteria(tenant, appId, segmentId, undefined, now);
    let after: string | undefined;
    for (;;) {
      const page = await store.segments.endpoints(tenant, appId, criteria, after, ENTRY_PAGE);
      const last = page.after === undefined;
      const ids = page.endpoints.map((e) => e.Id!);
      await participants.enter(tenant, appId, doc.Id!, FIRST_RUN, ids, doc.StartActivity, now, last);
      if (last) break;
      after = page.after;
    }
    this.loop.passAgain();
  }

  /** Claims one batch of due participants and advances each; how many were claimed. */
  async advanceOnce(): Promise<number> {
    const { store } = this.deps;
    const token = randomUUID();
    const now = this.now();
    const claimed = await store.journeyParticipants.claim(token, now, now + this.leaseMs, this.batchSize);
    if (claimed.length === 0) return 0;
    // Group by journey, then by activity: one step per group, one transaction per journey.
    const byJourney = new Map<string, ClaimedParticipant[]>();
    for (const p of claimed) {
      const key = `${p.tenant.accountId}\u0000${p.tenant.region}\u0000${p.appId}\u0000${p.journeyId}`;
      const list = byJourney.get(key);
      if (list) list.push(p);
      else byJourney.set(key, [p]);
    }
    for (const group of byJourney.values()) {
      try {
        await this.advanceJourney(token, group, now);
      } catch (err) {
        // The rows stay claimed until the lease ends, then are due again; their messages are idempotent.
        this.onError(err);
      }
    }
    return claimed.length;
  }

  private async advanceJourney(token: string, group: ClaimedParticipant[], now: number): Promise<void> {
    const { store } = this.deps;
    const { tenant, appId, journeyId } = group[0];
    const stored = await store.journeys.get(tenant, appId, journeyId);
    if (!stored) return;
    const journey: JourneyResponse = stored.doc;
    const byActivity = new Map<string, ClaimedParticipant[]>();
    for (const p of group) {
      const list = byActivity.get(p.activityId);
      if (list) list.push(p);
      else byActivity.set(p.activityId, [p]);
    }
    const tally = new Tally();
    const moves = [];
    for (const [activityId, participants] of byActivity)
      moves.push(...(await this.step.run(journey, activityId, participants, now, tally)));
    await store.journeyParticipants.advance(token, tenant, appId, journeyId, moves, tally.delta, now);
  }

  /** Resolves once no pass is under way (tests, shutdown). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  async close(): Promise<void> {
    this.loop.stop();
    await this.idle();
  }
}
