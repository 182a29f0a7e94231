/**
 * Campaign runs as durable jobs (migration 8), for the scheduler and batch workers of every
 * process on one database:
 *
 * - Firing: a due campaign's `next_run_at` moves on by compare-and-set in the same transaction
 *   that stores the run, its activities (one per treatment; `run_key` unique) and its first batch,
 *   so a due run starts exactly once however many schedulers see it.
 * - Batches: claimed under a lease (PostgreSQL `FOR UPDATE SKIP LOCKED`, like the outbox), renewed
 *   while worked on; a batch whose process died is claimable again when its lease runs out. A
 *   segment run is split lazily: a batch whose range is still open reads the next few ranges' keys
 *   (keys only), fixes its own range and queues the others in one transaction, so no process ever
 *   scans the whole segment up front and other processes can take those ranges while it sends.
 *   A range's bounds never move, and its batch pages through all of it, so endpoints added inside
 *   a range after it was cut are sent too.
 * - Held batches: an IsLocalTime run's endpoints whose local time has not come are queued as
 *   endpoint-id batches due at that time, in the transaction that finishes the batch that read them.
 * - Finishing a batch adds its counts to the activity documents in the same transaction that
 *   marks it done under its claim token, so a batch re-run after a lease loss counts once.
 */
import type { ActivityResponse, CampaignResponse } from "@aws-sdk/client-pinpoint";
import { compileCriteria, type Criteria } from "./segment-query.js";
import { APP_SCOPE, chunks, marks, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Tenant } from "./tenant.js";

export interface DueCampaign {
  tenant: Tenant;
  appId: string;
  campaignId: string;
  version: number;
  nextRunAt: number;
  campaign: CampaignResponse;
}

/** A treatment's activity within a run. */
export interface RunActivity {
  treatmentId: string;
  activityId: string;
}

export interface NewRun {
  tenant: Tenant;
  appId: string;
  campaignId: string;
  runKey: string;
  scheduledAt: number;
  /** When its first batch may be claimed: scheduledAt, or earlier for an IsLocalTime run. */
  startAt: number;
  deadlineAt?: number;
  campaign: CampaignResponse;
  activities: (RunActivity & { doc: ActivityResponse })[];
  /** Endpoint-id batches (an EVENT run), or undefined for one segment run starting at the first key. */
  endpointBatches?: string[][];
}

export interface CampaignRun {
  seq: number;
  tenant: Tenant;
  appId: string;
  campaignId: string;
  runKey: string;
  scheduledAt: number;
  deadlineAt?: number;
  campaign: CampaignResponse;
  activities: RunActivity[];
}

export interface ClaimedBatch {
  seq: number;
  runSeq: number;
  ordinal: number;
  token: string;
  /** A segment range: endpoints with keys in (afterKey, untilKey]; untilKey unset until the range is fixed. */
  afterKey?: string;
  untilKey?: string;
  endpointIds?: string[];
  attempts: number;
}

/** What a batch adds to one activity. */
export interface ActivityTally {
  total: number;
  successful: number;
  /** Further counters shown in ExecutionMetrics (e.g. HoldoutEndpointCount), added up across batches. */
  metrics: Record<string, number>;
  /** Why endpoints got nothing, with how many each. */
  reasons: Record<string, number>;
}

/** Endpoints of an IsLocalTime run held back until their own clock shows the run's time. */
export interface HeldBatch {
  dueAt: number;
  endpointIds: string[];
  /** Their time zones, which stay pending until the batch is sent. */
  zones: string[];
}

/** The time zones a batch met (TimezonesTotalCount), held back, and released (a held batch, sent). */
export interface ZoneCounts {
  seen: string[];
  held: string[];
  released: string[];
}

/** What a batch leaves besides its counts: batches it held back, and the time zones it met. */
export interface BatchOutput {
  held: HeldBatch[];
  zones: ZoneCounts;
  /** Whether the run reaches endpoints at their local time (its zones complete one by one). */
  localTime: boolean;
}

export interface PinpointCampaignRunRepository {
  /** Campaigns whose next run is due at `now`, the longest due first. */
  due(now: number, limit: number): Promise<DueCampaign[]>;
  /**
   * Starts the due run of `due` if its `next_run_at` and version are still what the caller read,
   * moving `next_run_at` to `next` (undefined: no further run). False when another process fired
   * it first, or the campaign changed meanwhile.
   */
  fire(due: DueCampaign, next: number | undefined, run: NewRun): Promise<boolean>;
  /** Starts a run that no schedule fired (an EVENT campaign's); false when a run with its key exists. */
  start(run: NewRun): Promise<boolean>;
  /** Claims up to `limit` due batches (queued, or claimed under a lease that ran out). */
  claim(token: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedBatch[]>;
  /** Extends the lease of the batches still claimed under `token`; how many were. */
  renew(token: string, leaseUntil: number): Promise<number>;
  /** Puts a claimed batch back in the queue, due again at `dueAt` (a retry after a failure); false when the claim was lost. */
  release(batch: ClaimedBatch, dueAt: number): Promise<boolean>;
  /** The run `seq` names (ClaimedBatch.runSeq). */
  run(seq: number): Promise<CampaignRun | undefined>;
  /**
   * The keys of up to `limit` endpoints matching `criteria` after `after`, in key order: read from
   * the primary key alone, so a batch can cut the ranges of the batches after it cheaply.
   */
  segmentKeys(tenant: Tenant, appId: string, criteria: Criteria, after: string | undefined, limit: number): Promise<string[]>;
  /**
   * Fixes a claimed segment batch's range to end at `untils[0]`, queues fixed ranges ending at each
   * further key of `untils`, and, when `more`, an open batch after the last, in one transaction, so
   * other processes can take the ranges ahead at once. False when the claim was lost (another
   * process has the batch now). Ordinals follow from the range, so a re-run queues nothing twice.
   */
  fixRanges(batch: ClaimedBatch, untils: string[], more: boolean, now: number): Promise<boolean>;
  /** Moves the run's PENDING activities to RUNNING with their Start time. */
  markRunning(run: CampaignRun, startIso: string): Promise<void>;
  /**
   * Finishes a claimed batch: adds `tallies` to the run's activities and marks the batch done, if
   * `token` still holds it (false otherwise: the batch is another process's now, and counts
   * there). When it was the run's last open batch, the activities become COMPLETED at `endIso`.
   */
  finish(
    batch: ClaimedBatch,
    run: CampaignRun,
    tallies: Map<string, ActivityTally>,
    endIso: string,
    output?: BatchOutput,
  ): Promise<boolean>;
  /** One activity of the campaign, as its runs have left it. */
  activity(tenant: Tenant, appId: string, campaignId: string, activityId: string): Promise<ActivityResponse | undefined>;
  /**
   * Grants up to `wanted` sends of the campaign's `perSecond` in the one-second window starting at
   * `windowStart`, shared by every process on the database; 0 when the window is used up.
   */
  takeRate(tenant: Tenant, appId: string, campaignId: string, perSecond: number, windowStart: number, wanted: number): Promise<number>;
  /**
   * Messages this campaign sent each endpoint, other than through `activityId`: in all (`total`)
   * and since `dayStart` (`daily`), for Limits.Total and Limits.Daily.
   */
  endpointSends(
    tenant: Tenant,
    appId: string,
    campaignId: string,
    activityId: string,
    endpointIds: string[],
    dayStart: number,
  ): Promise<Map<string, { total: number; daily: number }>>;
  /** Records that `activityId` sent each endpoint a message at `at` (ms since the epoch); once per endpoint and activity. */
  recordEndpointSends(
    tenant: Tenant,
    appId: string,
    campaignId: string,
    activityId: string,
    endpointIds: string[],
    at: number,
  ): Promise<void>;
}

/** At most this many distinct failure reasons are kept on an activity. */
const MAX_REASONS = 5;

interface RunRow {
  seq: number | string;
  account_id: string;
  region: string;
  app_id: string;
  campaign_id: string;
  run_key: string;
  scheduled_at: number | string;
  deadline_at: number | string | null;
  campaign: string;
  activities: string;
}

interface BatchRow {
  seq: number | string;
  run_seq: number | string;
  ordinal: number | string;
  after_key: string | null;
  until_key: string | null;
  endpoint_ids: string | null;
  attempts: number | string;
}

const BATCH_COLUMNS = "seq, run_seq, ordinal, after_key, until_key, endpoint_ids, attempts";

export class SqlPinpointCampaignRunRepository implements PinpointCampaignRunRepository {
  constructor(private readonly db: SqlDb) {}

  async due(now: number, limit: number): Promise<DueCampaign[]> {
    const rows = await this.db.all<{
      account_id: string;
      region: string;
      app_id: string;
      id: string;
      version: number | string;
      next_run_at: number | string;
      doc: string;
    }>(
      "SELECT account_id, region, app_id, id, version, next_run_at, doc FROM message_campaigns WHERE next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at LIMIT ?",
      [now, limit],
    );
    return rows.map((r) => ({
      tenant: { accountId: r.account_id, region: r.region },
      appId: r.app_id,
      campaignId: r.id,
      version: Number(r.version),
      nextRunAt: Number(r.next_run_at),
      campaign: JSON.parse(r.doc) as CampaignResponse,
    }));
  }

  async fire(due: DueCampaign, next: number | undefined, run: NewRun): Promise<boolean> {
    return this.db.transaction(null, async (tx) => {
      const { changes } = await tx.run(
        `UPDATE message_campaigns SET next_run_at = ? WHERE ${APP_SCOPE} AND id = ? AND next_run_at = ? AND version = ?`,
        [next ?? null, due.tenant.accountId, due.tenant.region, due.appId, due.campaignId, due.nextRunAt, due.version],
      );
      if (changes !== 1) return false;
      return this.insertRun(tx, run);
    });
  }

  async start(run: NewRun): Promise<boolean> {
    return this.db.transaction(null, (tx) => this.insertRun(tx, run));
  }

  private async insertRun(tx: SqlExecutor, run: NewRun): Promise<boolean> {
    const t = run.tenant;
    const activities: RunActivity[] = run.activities.map(({ treatmentId, activityId }) => ({ treatmentId, activityId }));
    const inserted = await tx.all<{ seq: number | string }>(
      `INSERT INTO campaign_runs (account_id, region, app_id, campaign_id, run_key, scheduled_at, deadline_at, campaign, activities)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, region, app_id, campaign_id, run_key) DO NOTHING RETURNING seq`,
      [
        t.accountId,
        t.region,
        run.appId,
        run.campaignId,
        run.runKey,
        run.scheduledAt,
        run.deadlineAt ?? null,
        JSON.stringify(run.campaign),
        JSON.stringify(activities),
      ],
    );
    if (inserted.length === 0) return false;
    const runSeq = Number(inserted[0].seq);
    for (const a of run.activities) {
      await tx.run(
        `INSERT INTO campaign_activities (account_id, region, app_id, campaign_id, id, run_key, scheduled_at, state, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          t.accountId,
          t.region,
          run.appId,
          run.campaignId,
          a.activityId,
          `${run.runKey}#${a.treatmentId}`,
          run.scheduledAt,
          a.doc.State,
          JSON.stringify(a.doc),
        ],
      );
    }
    const batches = run.endpointBatches ?? [undefined];
    for (const part of chunks(
      batches.map((ids, ordinal) => ({ ids, ordinal })),
      100,
    )) {
      const params: unknown[] = [];
      for (const b of part) params.push(runSeq, b.ordinal, b.ids ? null : "", b.ids ? JSON.stringify(b.ids) : null, run.startAt);
      await tx.run(
        `INSERT INTO campaign_batches (run_seq, ordinal, after_key, endpoint_ids, status, due_at, attempts) VALUES ${part.map(() => "(?, ?, ?, ?, 'QUEUED', ?, 0)").join(", ")}`,
        params,
      );
    }
    return true;
  }

  async claim(token: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedBatch[]> {
    const due = "SELECT seq FROM campaign_batches WHERE status IN ('QUEUED', 'RUNNING') AND due_at <= ? ORDER BY due_at, seq LIMIT ?";
    const set = "status = 'RUNNING', claim_token = ?, attempts = attempts + 1, due_at = ?";
    let rows: BatchRow[];
    if (this.db.dialect === "postgres") {
      // SKIP LOCKED: each worker takes batches nobody else is taking, without waiting on them; the
      // row lock re-checks the condition on the latest row version, so a batch is claimed once.
      rows = await this.db.all<BatchRow>(
        `WITH due AS (${due} FOR UPDATE SKIP LOCKED)
         UPDATE campaign_batches SET ${set} FROM due WHERE campaign_batches.seq = due.seq
         RETURNING ${BATCH_COLUMNS.split(", ")
           .map((c) => `campaign_batches.${c}`)
           .join(", ")}`,
        [now, limit, token, leaseUntil],
      );
    } else {
      // SQLite: one statement is one write transaction, and writers are serialised.
      rows = await this.db.all<BatchRow>(`UPDATE campaign_batches SET ${set} WHERE seq IN (${due}) RETURNING ${BATCH_COLUMNS}`, [
        token,
        leaseUntil,
        now,
        limit,
      ]);
    }
    return rows.map((r) => ({
      seq: Number(r.seq),
      runSeq: Number(r.run_seq),
      ordinal: Number(r.ordinal),
      token,
      ...(r.after_key !== null && { afterKey: r.after_key }),
      ...(r.until_key !== null && { untilKey: r.until_key }),
      ...(r.endpoint_ids !== null && { endpointIds: JSON.parse(r.endpoint_ids) as string[] }),
      attempts: Number(r.attempts),
    }));
  }

  async renew(token: string, leaseUntil: number): Promise<number> {
    return (await this.db.run("UPDATE campaign_batches SET due_at = ? WHERE claim_token = ? AND status = 'RUNNING'", [leaseUntil, token]))
      .changes;
  }

  async release(batch: ClaimedBatch, dueAt: number): Promise<boolean> {
    const r = await this.db.run(
      "UPDATE campaign_batches SET status = 'QUEUED', claim_token = NULL, due_at = ? WHERE seq = ? AND claim_token = ? AND status = 'RUNNING'",
      [dueAt, batch.seq, batch.token],
    );
    return r.changes === 1;
  }

  async run(seq: number): Promise<CampaignRun | undefined> {
    const r = await this.db.get<RunRow>("SELECT * FROM campaign_runs WHERE seq = ?", [seq]);
    if (!r) return undefined;
    return {
      seq: Number(r.seq),
      tenant: { accountId: r.account_id, region: r.region },
      appId: r.app_id,
      campaignId: r.campaign_id,
      runKey: r.run_key,
      scheduledAt: Number(r.scheduled_at),
      ...(r.deadline_at !== null && { deadlineAt: Number(r.deadline_at) }),
      campaign: JSON.parse(r.campaign) as CampaignResponse,
      activities: JSON.parse(r.activities) as RunActivity[],
    };
  }

  async segmentKeys(t: Tenant, appId: string, criteria: Criteria, after: string | undefined, limit: number): Promise<string[]> {
    const where = compileCriteria(criteria, this.db.dialect);
    const rows = await this.db.all<{ id_key: string }>(
      `SELECT e.id_key FROM endpoints e WHERE e.account_id = ? AND e.region = ? AND e.app_id = ? AND e.id_key > ? AND ${where.sql} ORDER BY e.id_key LIMIT ?`,
      [t.accountId, t.region, appId, after ?? "", ...where.params, limit],
    );
    return rows.map((r) => r.id_key);
  }

  async fixRanges(batch: ClaimedBatch, untils: string[], more: boolean, now: number): Promise<boolean> {
    return this.db.transaction(null, async (tx) => {
      const { changes } = await tx.run(
        "UPDATE campaign_batches SET until_key = ? WHERE seq = ? AND claim_token = ? AND status = 'RUNNING'",
        [untils[0], batch.seq, batch.token],
      );
      if (changes !== 1) return false;
      const next = untils.slice(1).map((until, i) => ({ after: untils[i], until }));
      if (more) next.push({ after: untils[untils.length - 1], until: null as unknown as string });
      if (next.length === 0) return true;
      const params = next.flatMap((b, i) => [batch.runSeq, batch.ordinal + 1 + i, b.after, b.until, now]);
      await tx.run(
        `INSERT INTO campaign_batches (run_seq, ordinal, after_key, until_key, status, due_at, attempts) VALUES ${next.map(() => "(?, ?, ?, ?, 'QUEUED', ?, 0)").join(", ")}
         ON CONFLICT (run_seq, ordinal) DO NOTHING`,
        params,
      );
      return true;
    });
  }

  async markRunning(run: CampaignRun, startIso: string): Promise<void> {
    await this.db.transaction(runLockKey(run.seq), async (tx) => {
      for (const a of run.activities) {
        await this.editActivity(tx, run, a.activityId, (doc) =>
          doc.State === "PENDING" ? { ...doc, State: "RUNNING", Start: startIso } : undefined,
        );
      }
    });
  }

  async finish(
    batch: ClaimedBatch,
    run: CampaignRun,
    tallies: Map<string, ActivityTally>,
    endIso: string,
    output?: BatchOutput,
  ): Promise<boolean> {
    return this.db.transaction(runLockKey(run.seq), async (tx) => {
      const { changes } = await tx.run(
        "UPDATE campaign_batches SET status = 'DONE', claim_token = NULL WHERE seq = ? AND claim_token = ? AND status = 'RUNNING'",
        [batch.seq, batch.token],
      );
      if (changes !== 1) return false;
      if (output && output.held.length > 0) await this.queueHeld(tx, run.seq, output.held);
      const open = await tx.get<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM campaign_batches WHERE run_seq = ? AND status <> 'DONE'",
        [run.seq],
      );
      const last = Number(open?.n ?? 0) === 0;
      for (const a of run.activities) {
        await this.editActivity(tx, run, a.activityId, (doc) => {
          const next = addZones(addTally(doc, tallies.get(a.activityId)), output?.zones, output?.localTime === true);
          if (last) complete(next, endIso);
          return next;
        });
      }
      return true;
    });
  }

  /**
   * Queues held-back endpoints as endpoint-id batches due at their local time, in the transaction
   * that finishes the batch that held them (so a restart loses none, and a re-run after a lost
   * claim queues none twice). Their ordinals count down from -1 under the run's lock, apart from
   * the segment ranges' ordinals, which count up.
   */
  private async queueHeld(tx: SqlExecutor, runSeq: number, held: HeldBatch[]): Promise<void> {
    const low = await tx.get<{ n: number | string | null }>("SELECT MIN(ordinal) AS n FROM campaign_batches WHERE run_seq = ?", [runSeq]);
    let ordinal = Math.min(0, Number(low?.n ?? 0));
    for (const part of chunks(held, 100)) {
      const params = part.flatMap((h) => [runSeq, --ordinal, JSON.stringify(h.endpointIds), h.dueAt]);
      await tx.run(
        `INSERT INTO campaign_batches (run_seq, ordinal, endpoint_ids, status, due_at, attempts) VALUES ${part.map(() => "(?, ?, ?, 'QUEUED', ?, 0)").join(", ")}`,
        params,
      );
    }
  }

  private async editActivity(
    tx: SqlExecutor,
    run: CampaignRun,
    activityId: string,
    edit: (doc: ActivityResponse) => ActivityResponse | undefined,
  ): Promise<void> {
    const scope = [run.tenant.accountId, run.tenant.region, run.appId, run.campaignId, activityId];
    const row = await tx.get<{ doc: string }>(
      `SELECT doc FROM campaign_activities WHERE ${APP_SCOPE} AND campaign_id = ? AND id = ?`,
      scope,
    );
    if (!row) return;
    const doc = edit(JSON.parse(row.doc) as ActivityResponse);
    if (doc)
      await tx.run(`UPDATE campaign_activities SET state = ?, doc = ? WHERE ${APP_SCOPE} AND campaign_id = ? AND id = ?`, [
        doc.State,
        JSON.stringify(doc),
        ...scope,
      ]);
  }

  async activity(tenant: Tenant, appId: string, campaignId: string, activityId: string): Promise<ActivityResponse | undefined> {
    const row = await this.db.get<{ doc: string }>(
      `SELECT doc FROM campaign_activities WHERE ${APP_SCOPE} AND campaign_id = ? AND id = ?`,
      [tenant.accountId, tenant.region, appId, campaignId, activityId],
    );
    return row ? (JSON.parse(row.doc) as ActivityResponse) : undefined;
  }

  async takeRate(
    tenant: Tenant,
    appId: string,
    campaignId: string,
    perSecond: number,
    windowStart: number,
    wanted: number,
  ): Promise<number> {
    const key = [tenant.accountId, tenant.region, appId, campaignId];
    return this.db.transaction(`campaign_send_rates:${key.join(":")}`, async (tx) => {
      const row = await tx.get<{ window_start: number | string; used: number | string }>(
        `SELECT window_start, used FROM campaign_send_rates WHERE ${APP_SCOPE} AND campaign_id = ?`,
        key,
      );
      const used = row && Number(row.window_start) === windowStart ? Number(row.used) : 0;
      const grant = Math.max(0, Math.min(wanted, perSecond - used));
      if (grant === 0) return 0;
      await tx.run(
        `INSERT INTO campaign_send_rates (account_id, region, app_id, campaign_id, window_start, used) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, region, app_id, campaign_id) DO UPDATE SET window_start = excluded.window_start, used = excluded.used`,
        [...key, windowStart, used + grant],
      );
      return grant;
    });
  }

  async endpointSends(
    tenant: Tenant,
    appId: string,
    campaignId: string,
    activityId: string,
    endpointIds: string[],
    dayStart: number,
  ): Promise<Map<string, { total: number; daily: number }>> {
    const out = new Map<string, { total: number; daily: number }>();
    for (const part of chunks(endpointIds, 200)) {
      const rows = await this.db.all<{ endpoint_id: string; total: number | string; daily: number | string }>(
        `SELECT endpoint_id, COUNT(*) AS total, SUM(CASE WHEN sent_at >= ? THEN 1 ELSE 0 END) AS daily FROM campaign_endpoint_sends
         WHERE ${APP_SCOPE} AND campaign_id = ? AND activity_id <> ? AND endpoint_id IN (${marks(part.length)}) GROUP BY endpoint_id`,
        [dayStart, tenant.accountId, tenant.region, appId, campaignId, activityId, ...part],
      );
      for (const r of rows) out.set(r.endpoint_id, { total: Number(r.total), daily: Number(r.daily) });
    }
    return out;
  }

  async recordEndpointSends(
    tenant: Tenant,
    appId: string,
    campaignId: string,
    activityId: string,
    endpointIds: string[],
    at: number,
  ): Promise<void> {
    for (const part of chunks(endpointIds, 100)) {
      const params = part.flatMap((id) => [tenant.accountId, tenant.region, appId, campaignId, id, activityId, at]);
      await this.db.run(
        `INSERT INTO campaign_endpoint_sends (account_id, region, app_id, campaign_id, endpoint_id, activity_id, sent_at) VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}
         ON CONFLICT DO NOTHING`,
        params,
      );
    }
  }
}

const runLockKey = (seq: number) => `campaign_runs:${seq}`;

/** The counters an activity keeps, as ExecutionMetrics holds them (strings). */
function addTally(doc: ActivityResponse, tally: ActivityTally | undefined): ActivityResponse {
  if (!tally) return doc;
  const metrics: Record<string, string> = { ...doc.ExecutionMetrics };
  for (const [name, n] of Object.entries(tally.metrics)) metrics[name] = String(Number(metrics[name] ?? 0) + n);
  const reasons = JSON.parse(metrics.FailureReasons ?? "{}") as Record<string, number>;
  for (const [reason, n] of Object.entries(tally.reasons)) {
    if (reasons[reason] !== undefined || Object.keys(reasons).length < MAX_REASONS) reasons[reason] = (reasons[reason] ?? 0) + n;
  }
  if (Object.keys(reasons).length > 0) metrics.FailureReasons = JSON.stringify(reasons);
  return {
    ...doc,
    TotalEndpointCount: (doc.TotalEndpointCount ?? 0) + tally.total,
    SuccessfulEndpointCount: (doc.SuccessfulEndpointCount ?? 0) + tally.successful,
    ExecutionMetrics: metrics,
  };
}

/**
 * The run's time zones (ExecutionMetrics.Timezones, TimezonesTotalCount) and, for an IsLocalTime
 * run, those done so far (TimezonesCompletedCount): met, and with no held batch still to send
 * (ExecutionMetrics.PendingTimezones counts those per zone). Any other run has one send time, so
 * its zones complete together when it does.
 */
function addZones(doc: ActivityResponse, zones: ZoneCounts | undefined, localTime: boolean): ActivityResponse {
  if (!zones) return doc;
  const metrics: Record<string, string> = { ...doc.ExecutionMetrics };
  const seen = new Set<string>(JSON.parse(metrics.Timezones ?? "[]") as string[]);
  for (const z of zones.seen) seen.add(z);
  metrics.Timezones = JSON.stringify([...seen].sort());
  const pending = JSON.parse(metrics.PendingTimezones ?? "{}") as Record<string, number>;
  for (const z of zones.held) pending[z] = (pending[z] ?? 0) + 1;
  // A held batch's endpoints may have moved zone meanwhile: a count never goes below none pending.
  for (const z of zones.released) if ((pending[z] = (pending[z] ?? 0) - 1) <= 0) delete pending[z];
  if (Object.keys(pending).length > 0) metrics.PendingTimezones = JSON.stringify(pending);
  else delete metrics.PendingTimezones;
  return {
    ...doc,
    TimezonesTotalCount: seen.size,
    TimezonesCompletedCount: localTime ? [...seen].filter((z) => pending[z] === undefined).length : (doc.TimezonesCompletedCount ?? 0),
    ExecutionMetrics: metrics,
  };
}

/**
 * The run is over: COMPLETED, with Result SUCCESS when every targeted endpoint was sent its
 * message and FAIL otherwise (the documented values); ExecutionMetrics.FailureReasons says why.
 */
function complete(doc: ActivityResponse, endIso: string): void {
  doc.State = "COMPLETED";
  doc.End = endIso;
  doc.Start ??= endIso;
  doc.TotalEndpointCount ??= 0;
  doc.SuccessfulEndpointCount ??= 0;
  doc.TimezonesCompletedCount = doc.TimezonesTotalCount ?? 0;
  if (doc.ExecutionMetrics) delete doc.ExecutionMetrics.PendingTimezones;
  doc.TimezonesTotalCount ??= 0;
  doc.Result =
    doc.SuccessfulEndpointCount === doc.TotalEndpointCount && doc.ExecutionMetrics?.FailureReasons === undefined ? "SUCCESS" : "FAIL";
}
