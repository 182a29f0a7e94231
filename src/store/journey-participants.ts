/**
 * Journey participants as durable work (migration 10), for the journey executor of every process
 * on one database. A participant row says which activity of which journey run an endpoint is at
 * and when that activity is due; waits are due times here, not timers.
 *
 * - Entry: a journey's entrants are inserted with ON CONFLICT DO NOTHING (one row per journey,
 *   run and endpoint), in the transaction that closes the journey's entry, so a segment is entered
 *   once however many processes see the journey.
 * - Claiming: due rows of ACTIVE journeys are claimed (PostgreSQL `FOR UPDATE SKIP LOCKED`) by
 *   setting a claim token and moving their due time to the lease's end; a process that dies leaves
 *   them due again once its lease ends. PAUSED journeys' rows are never claimed: they hold.
 * - Advancing: a claimed row moves to its next activity (or finishes) only under its claim token,
 *   in the transaction that adds to the journey's metrics, so a row re-run after a lost lease
 *   counts once; its message went through the outbox under an idempotency key, so it is sent once.
 */
import type { JourneyResponse } from "@aws-sdk/client-pinpoint";
import { APP_SCOPE, chunks, marks, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Tenant } from "./tenant.js";

/** What a participant carries between activities. */
export interface ParticipantContext {
  /** When it arrived at its current activity (waits and evaluation windows count from here). */
  arrivedAt: number;
  /** Set once it has started waiting at its current activity (a Wait, an evaluation window). */
  waiting?: boolean;
}

export interface ClaimedParticipant {
  seq: number;
  tenant: Tenant;
  appId: string;
  journeyId: string;
  runId: string;
  endpointId: string;
  activityId: string;
  enteredAt: number;
  attempts: number;
  context: ParticipantContext;
}

/** Where a claimed participant goes: on to `activityId` due at `dueAt`, or out of the journey. */
export type Move =
  | { seq: number; activityId: string; dueAt: number; context: ParticipantContext }
  | { seq: number; finished: true }
  /** Stays at its activity until `dueAt` (a wait, an evaluation window). */
  | { seq: number; dueAt: number; context: ParticipantContext; stay: true };

/** Counters to add: activity id ('' for the journey's own) → metric → amount. */
export type MetricDelta = Map<string, Map<string, number>>;

export interface OpenJourney {
  tenant: Tenant;
  appId: string;
  doc: JourneyResponse;
}

export interface JourneyParticipantRepository {
  /** ACTIVE journeys (any tenant) whose entry is still open and that the executor enters (segment journeys, or ones to close). */
  openForEntry(limit: number): Promise<OpenJourney[]>;
  /**
   * Enters endpoints into a run at `activityId`, due `now`; endpoints already in that run are
   * skipped. With `close`, the journey's entry closes in the same transaction. Entered count.
   */
  enter(
    tenant: Tenant,
    appId: string,
    journeyId: string,
    runId: string,
    endpointIds: string[],
    activityId: string,
    now: number,
    close: boolean,
  ): Promise<number>;
  /** Claims up to `limit` due participants of ACTIVE journeys until `leaseUntil`. */
  claim(token: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedParticipant[]>;
  /** Applies moves of rows still claimed by `token`, and adds `metrics`, in one transaction; rows moved. */
  advance(
    token: string,
    tenant: Tenant,
    appId: string,
    journeyId: string,
    moves: Move[],
    metrics: MetricDelta,
    now: number,
  ): Promise<number>;
  /** The journey's counters: activity id ('' for the journey's own) → metric → value, and when last changed. */
  metrics(tenant: Tenant, appId: string, journeyId: string): Promise<{ values: MetricDelta; updatedAt?: number }>;
}

interface ClaimRow {
  seq: number | string;
  account_id: string;
  region: string;
  app_id: string;
  journey_id: string;
  run_id: string;
  endpoint_id: string;
  activity_id: string;
  entered_at: number | string;
  attempts: number | string;
  context: string;
}

const CLAIM_COLUMNS = "seq, account_id, region, app_id, journey_id, run_id, endpoint_id, activity_id, entered_at, attempts, context";
/** Open journeys read per page when looking for those to enter. */
const ENTRY_SCAN = 200;
/** Rows per INSERT: 10 parameters each, well under both databases' limits. */
const ENTER_ROWS = 500;

export class SqlJourneyParticipantRepository implements JourneyParticipantRepository {
  constructor(private readonly db: SqlDb) {}

  async openForEntry(limit: number): Promise<OpenJourney[]> {
    // Journeys entered by events keep their entry open: reading past them keeps them from
    // crowding out the segment journeys behind them.
    const out: OpenJourney[] = [];
    let after = 0;
    while (out.length < limit) {
      const rows = await this.db.all<{ seq: number | string; account_id: string; region: string; app_id: string; doc: string }>(
        "SELECT seq, account_id, region, app_id, doc FROM journeys WHERE entry_closed = 0 AND state = 'ACTIVE' AND seq > ? ORDER BY seq LIMIT ?",
        [after, ENTRY_SCAN],
      );
      for (const r of rows) {
        const doc = JSON.parse(r.doc) as JourneyResponse;
        const ended = doc.Schedule?.EndTime !== undefined;
        if (doc.StartCondition?.SegmentStartCondition || ended || !doc.StartActivity)
          out.push({ tenant: { accountId: r.account_id, region: r.region }, appId: r.app_id, doc });
      }
      if (rows.length < ENTRY_SCAN) break;
      after = Number(rows[rows.length - 1].seq);
    }
    return out.slice(0, limit);
  }

  async enter(
    t: Tenant,
    appId: string,
    journeyId: string,
    runId: string,
    endpointIds: string[],
    activityId: string,
    now: number,
    close: boolean,
  ): Promise<number> {
    return this.db.transaction(`journey-entry:${t.accountId}:${t.region}:${appId}:${journeyId}`, async (tx) => {
      const open = await tx.get(`SELECT 1 AS x FROM journeys WHERE ${APP_SCOPE} AND id = ? AND entry_closed = 0 AND state = 'ACTIVE'`, [
        t.accountId,
        t.region,
        appId,
        journeyId,
      ]);
      if (!open) return 0;
      let entered = 0;
      const context = JSON.stringify({ arrivedAt: now } satisfies ParticipantContext);
      for (const part of chunks([...new Set(endpointIds)], ENTER_ROWS)) {
        const params: unknown[] = [];
        for (const e of part) params.push(t.accountId, t.region, appId, journeyId, runId, e, activityId, now, now, context);
        const r = await tx.run(
          `INSERT INTO journey_participants
             (account_id, region, app_id, journey_id, run_id, endpoint_id, activity_id, due_at, entered_at, attempts, context)
           VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)").join(", ")}
           ON CONFLICT (account_id, region, app_id, journey_id, run_id, endpoint_id) DO NOTHING`,
          params,
        );
        entered += r.changes;
      }
      if (entered > 0) await addMetrics(tx, t, appId, journeyId, new Map([["", new Map([["ENDPOINT_ENTERED", entered]])]]), now);
      if (close)
        await tx.run(`UPDATE journeys SET entry_closed = 1 WHERE ${APP_SCOPE} AND id = ?`, [t.accountId, t.region, appId, journeyId]);
      return entered;
    });
  }

  async claim(token: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedParticipant[]> {
    const due = `SELECT p.seq FROM journey_participants p JOIN journeys j
        ON j.account_id = p.account_id AND j.region = p.region AND j.app_id = p.app_id AND j.id = p.journey_id
      WHERE p.finished_at IS NULL AND p.due_at <= ? AND j.state = 'ACTIVE' ORDER BY p.due_at, p.seq LIMIT ?`;
    const set = "claim_token = ?, due_at = ?, attempts = attempts + 1";
    let rows: ClaimRow[];
    if (this.db.dialect === "postgres") {
      rows = await this.db.all<ClaimRow>(
        `WITH due AS (${due} FOR UPDATE OF p SKIP LOCKED)
         UPDATE journey_participants SET ${set} FROM due WHERE journey_participants.seq = due.seq
         RETURNING ${CLAIM_COLUMNS.split(", ")
           .map((c) => `journey_participants.${c}`)
           .join(", ")}`,
        [now, limit, token, leaseUntil],
      );
    } else {
      // SQLite: one statement is one write transaction, and writers are serialised.
      rows = await this.db.all<ClaimRow>(`UPDATE journey_participants SET ${set} WHERE seq IN (${due}) RETURNING ${CLAIM_COLUMNS}`, [
        token,
        leaseUntil,
        now,
        limit,
      ]);
    }
    return rows.map((r) => ({
      seq: Number(r.seq),
      tenant: { accountId: r.account_id, region: r.region },
      appId: r.app_id,
      journeyId: r.journey_id,
      runId: r.run_id,
      endpointId: r.endpoint_id,
      activityId: r.activity_id,
      enteredAt: Number(r.entered_at),
      attempts: Number(r.attempts),
      context: JSON.parse(r.context) as ParticipantContext,
    }));
  }

  async advance(
    token: string,
    t: Tenant,
    appId: string,
    journeyId: string,
    moves: Move[],
    metrics: MetricDelta,
    now: number,
  ): Promise<number> {
    return this.db.transaction(null, async (tx) => {
      let moved = 0;
      for (const m of moves) {
        const r =
          "finished" in m
            ? await tx.run(
                "UPDATE journey_participants SET activity_id = NULL, finished_at = ?, claim_token = NULL, attempts = 0 WHERE seq = ? AND claim_token = ?",
                [now, m.seq, token],
              )
            : "stay" in m
              ? await tx.run(
                  "UPDATE journey_participants SET due_at = ?, context = ?, claim_token = NULL, attempts = 0 WHERE seq = ? AND claim_token = ?",
                  [m.dueAt, JSON.stringify(m.context), m.seq, token],
                )
              : await tx.run(
                  "UPDATE journey_participants SET activity_id = ?, due_at = ?, context = ?, claim_token = NULL, attempts = 0 WHERE seq = ? AND claim_token = ?",
                  [m.activityId, m.dueAt, JSON.stringify(m.context), m.seq, token],
                );
        moved += r.changes;
      }
      // A lost claim moved nothing: its counts belong to the process that holds the rows now.
      if (moved === moves.length) await addMetrics(tx, t, appId, journeyId, metrics, now);
      else if (moved > 0) throw new Error("journey participants were claimed by another process mid-advance");
      return moved;
    });
  }

  async metrics(t: Tenant, appId: string, journeyId: string): Promise<{ values: MetricDelta; updatedAt?: number }> {
    const rows = await this.db.all<{ activity_id: string; metric: string; value: number | string; updated_at: number | string }>(
      `SELECT activity_id, metric, value, updated_at FROM journey_metrics WHERE ${APP_SCOPE} AND journey_id = ?`,
      [t.accountId, t.region, appId, journeyId],
    );
    const values: MetricDelta = new Map();
    let updatedAt: number | undefined;
    for (const r of rows) {
      let m = values.get(r.activity_id);
      if (!m) values.set(r.activity_id, (m = new Map()));
      m.set(r.metric, Number(r.value));
      updatedAt = Math.max(updatedAt ?? 0, Number(r.updated_at));
    }
    return { values, updatedAt };
  }
}

async function addMetrics(tx: SqlExecutor, t: Tenant, appId: string, journeyId: string, delta: MetricDelta, now: number): Promise<void> {
  const rows: unknown[][] = [];
  for (const [activityId, metrics] of delta)
    for (const [metric, n] of metrics) if (n !== 0) rows.push([t.accountId, t.region, appId, journeyId, activityId, metric, n, now]);
  for (const part of chunks(rows, 100)) {
    await tx.run(
      `INSERT INTO journey_metrics (account_id, region, app_id, journey_id, activity_id, metric, value, updated_at)
       VALUES ${part.map(() => `(${marks(8)})`).join(", ")}
       ON CONFLICT (account_id, region, app_id, journey_id, activity_id, metric)
       DO UPDATE SET value = journey_metrics.value + excluded.value, updated_at = excluded.updated_at`,
      part.flat(),
    );
  }
}
