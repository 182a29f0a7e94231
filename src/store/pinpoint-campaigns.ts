/**
 * Pinpoint campaigns (migration 7): a head row per campaign holding its latest version and the
 * scheduler's next run, one row per version, and one row per run (activity) that the campaign
 * runner writes. The head's `next_run_at` is written in the same transaction as the version it
 * belongs to, so the scheduler never sees a version without its schedule.
 */
import type { ActivityResponse, CampaignResponse } from "@aws-sdk/client-pinpoint";
import { appExists, appLockKey } from "./apps.js";
import { APP_SCOPE, marks, pageOfDocs, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

type Doc = CampaignResponse;

/**
 * Activity states (ActivityResponse.State) of a run that has not finished: Pinpoint documents
 * PENDING, INITIALIZING, RUNNING, PAUSED, CANCELLED and COMPLETED; EXECUTING is the runner's
 * name for a run whose batches are being sent.
 */
export const UNFINISHED_ACTIVITY_STATES = ["PENDING", "INITIALIZING", "RUNNING", "EXECUTING"] as const;

/** What the status of one treatment (or of the whole campaign, `treatmentId` undefined) is derived from. */
export interface RunSummary {
  /** Activities recorded. */
  runs: number;
  /** Activities in an unfinished state (UNFINISHED_ACTIVITY_STATES). */
  unfinished: number;
}

/** A campaign's latest version with what its status is derived from. */
export interface StoredCampaign {
  doc: Doc;
  /** When the scheduler next starts a run (ms since the epoch); undefined when none is due. */
  nextRunAt?: number;
  /** Over all of the campaign's activities. */
  runs: RunSummary;
  /** Per ActivityResponse.TreatmentId. */
  treatments: Map<string, RunSummary>;
  /** False once the campaign's segment has been deleted (AWS then reports the campaign DELETED). */
  segmentExists: boolean;
}

/**
 * What a new version does to the scheduler's next run: replace it (the version's schedule or
 * pause changed), or leave it as the scheduler left it.
 */
export type NextRun = { at: number | undefined } | "unchanged";

/** One activity row, as the runner writes it. */
export interface ActivityRecord {
  /** Names the run (scheduled time and treatment): a second insert with the same key is refused. */
  runKey: string;
  /** ms since the epoch. */
  scheduledAt: number;
  doc: ActivityResponse;
}

export interface PinpointCampaignRepository {
  /** Inserts version 1 with the scheduler's first run; false when the app does not exist. */
  insert(tenant: Tenant, doc: Doc, nextRunAt: number | undefined): Promise<boolean>;
  /** The given version's document; the latest when `version` is undefined. */
  get(tenant: Tenant, appId: string, id: string, version?: number): Promise<Doc | undefined>;
  /** The latest version with its next run and run summaries. */
  head(tenant: Tenant, appId: string, id: string): Promise<StoredCampaign | undefined>;
  /** The app's campaigns in creation order, latest versions. */
  list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<StoredCampaign>>;
  versions(tenant: Tenant, appId: string, id: string, after: number, limit: number): Promise<Page<Doc>>;
  /**
   * Appends `doc` as the next version, with the scheduler's next run as `next` says, if
   * `expectedVersion` is still the latest; "stale" if another update won.
   */
  appendVersion(tenant: Tenant, doc: Doc, expectedVersion: number, next: NextRun): Promise<"ok" | "not-found" | "stale">;
  /** Deletes the campaign with its versions and activities; the latest version, if it existed. */
  delete(tenant: Tenant, appId: string, id: string): Promise<StoredCampaign | undefined>;
  /** The campaign's activities in the order they were recorded. */
  activities(tenant: Tenant, appId: string, campaignId: string, after: number, limit: number): Promise<Page<ActivityResponse>>;
  /** Records one run; false when a run with the same `runKey` (or activity id) exists already. */
  insertActivity(tenant: Tenant, activity: ActivityRecord): Promise<boolean>;
  /** Latest versions of the app's campaigns whose default treatment targets `segmentId`. */
  usingSegment(tenant: Tenant, appId: string, segmentId: string): Promise<Doc[]>;
  /** Latest versions of the app's campaigns with `Schedule.Frequency` EVENT that are not paused. */
  eventCampaigns(tenant: Tenant, appId: string): Promise<Doc[]>;
}

const HEAD_COLUMNS = "seq, doc, next_run_at";
/** Enough campaigns of one app to scan for the ones on a segment or fired by events. */
const SCAN_BATCH = 500;

interface HeadRow {
  seq: number | string;
  id: string;
  doc: string;
  next_run_at: number | string | null;
}

interface RunRow {
  campaign_id: string;
  treatment_id: string | null;
  runs: number | string;
  unfinished: number | string;
}

export class SqlPinpointCampaignRepository implements PinpointCampaignRepository {
  /** The treatment an activity ran for, read from its document in the dialect's JSON syntax. */
  private readonly treatmentOf: string;

  constructor(private readonly db: SqlDb) {
    this.treatmentOf = db.dialect === "postgres" ? "(doc::json ->> 'TreatmentId')" : "json_extract(doc, '$.TreatmentId')";
  }

  async insert(t: Tenant, doc: Doc, nextRunAt: number | undefined): Promise<boolean> {
    const appId = doc.ApplicationId!;
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      if (!(await appExists(tx, t, appId))) return false;
      const json = JSON.stringify(doc);
      await tx.run(
        "INSERT INTO message_campaigns (account_id, region, app_id, id, version, next_run_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [t.accountId, t.region, appId, doc.Id, doc.Version, nextRunAt ?? null, json],
      );
      await insertVersion(tx, t, doc, json);
      return true;
    });
  }

  async get(t: Tenant, appId: string, id: string, version?: number): Promise<Doc | undefined> {
    const row =
      version === undefined
        ? await this.db.get<{ doc: string }>(`SELECT doc FROM message_campaigns WHERE ${APP_SCOPE} AND id = ?`, [
            t.accountId,
            t.region,
            appId,
            id,
          ])
        : await this.db.get<{ doc: string }>(`SELECT doc FROM message_campaign_versions WHERE ${APP_SCOPE} AND id = ? AND version = ?`, [
            t.accountId,
            t.region,
            appId,
            id,
            version,
          ]);
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }

  async head(t: Tenant, appId: string, id: string): Promise<StoredCampaign | undefined> {
    const row = await this.db.get<HeadRow>(`SELECT ${HEAD_COLUMNS}, id FROM message_campaigns WHERE ${APP_SCOPE} AND id = ?`, [
      t.accountId,
      t.region,
      appId,
      id,
    ]);
    if (!row) return undefined;
    return (await this.withRuns(this.db, t, appId, [row]))[0];
  }

  async list(t: Tenant, appId: string, after: number, limit: number): Promise<Page<StoredCampaign>> {
    const rows = await this.db.all<HeadRow>(
      `SELECT ${HEAD_COLUMNS}, id FROM message_campaigns WHERE ${APP_SCOPE} AND seq > ? ORDER BY seq LIMIT ?`,
      [t.accountId, t.region, appId, after, limit + 1],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: await this.withRuns(this.db, t, appId, page), after: more ? Number(page[page.length - 1].seq) : undefined };
  }

  /**
   * Joins each head row with its activities' summary and whether its segment still exists: two
   * queries for the whole page.
   */
  private async withRuns(db: SqlExecutor, t: Tenant, appId: string, rows: HeadRow[]): Promise<StoredCampaign[]> {
    if (rows.length === 0) return [];
    const docs = rows.map((r) => JSON.parse(r.doc) as Doc);
    const segmentIds = [...new Set(docs.map((d) => d.SegmentId!))];
    const segments = await db.all<{ id: string }>(`SELECT id FROM segments WHERE ${APP_SCOPE} AND id IN (${marks(segmentIds.length)})`, [
      t.accountId,
      t.region,
      appId,
      ...segmentIds,
    ]);
    const existing = new Set(segments.map((s) => s.id));
    const states = UNFINISHED_ACTIVITY_STATES;
    const summaries = await db.all<RunRow>(
      `SELECT campaign_id, ${this.treatmentOf} AS treatment_id, COUNT(*) AS runs,
              SUM(CASE WHEN state IN (${marks(states.length)}) THEN 1 ELSE 0 END) AS unfinished
         FROM campaign_activities WHERE ${APP_SCOPE} AND campaign_id IN (${marks(rows.length)})
        GROUP BY campaign_id, ${this.treatmentOf}`,
      [...states, t.accountId, t.region, appId, ...rows.map((r) => r.id)],
    );
    return rows.map((row, i) => {
      const runs: RunSummary = { runs: 0, unfinished: 0 };
      const treatments = new Map<string, RunSummary>();
      for (const s of summaries) {
        if (s.campaign_id !== row.id) continue;
        const summary = { runs: Number(s.runs), unfinished: Number(s.unfinished ?? 0) };
        runs.runs += summary.runs;
        runs.unfinished += summary.unfinished;
        if (s.treatment_id !== null) treatments.set(s.treatment_id, summary);
      }
      return {
        doc: docs[i],
        ...(row.next_run_at !== null && { nextRunAt: Number(row.next_run_at) }),
        runs,
        treatments,
        segmentExists: existing.has(docs[i].SegmentId!),
      };
    });
  }

  async versions(t: Tenant, appId: string, id: string, after: number, limit: number): Promise<Page<Doc>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      `SELECT version AS seq, doc FROM message_campaign_versions WHERE ${APP_SCOPE} AND id = ? AND version > ? ORDER BY version LIMIT ?`,
      [t.accountId, t.region, appId, id, after, limit + 1],
    );
    return pageOfDocs<Doc>(rows, limit);
  }

  async appendVersion(t: Tenant, doc: Doc, expectedVersion: number, next: NextRun): Promise<"ok" | "not-found" | "stale"> {
    const appId = doc.ApplicationId!;
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const head = await tx.get<{ version: number | string }>(`SELECT version FROM message_campaigns WHERE ${APP_SCOPE} AND id = ?`, [
        t.accountId,
        t.region,
        appId,
        doc.Id,
      ]);
      if (!head) return "not-found";
      if (Number(head.version) !== expectedVersion) return "stale";
      const json = JSON.stringify(doc);
      if (next === "unchanged") {
        await tx.run(`UPDATE message_campaigns SET version = ?, doc = ? WHERE ${APP_SCOPE} AND id = ?`, [
          doc.Version,
          json,
          t.accountId,
          t.region,
          appId,
          doc.Id,
        ]);
      } else {
        await tx.run(`UPDATE message_campaigns SET version = ?, next_run_at = ?, doc = ? WHERE ${APP_SCOPE} AND id = ?`, [
          doc.Version,
          next.at ?? null,
          json,
          t.accountId,
          t.region,
          appId,
          doc.Id,
        ]);
      }
      await insertVersion(tx, t, doc, json);
      return "ok";
    });
  }

  async delete(t: Tenant, appId: string, id: string): Promise<StoredCampaign | undefined> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const row = await tx.get<HeadRow>(`SELECT ${HEAD_COLUMNS}, id FROM message_campaigns WHERE ${APP_SCOPE} AND id = ?`, [
        t.accountId,
        t.region,
        appId,
        id,
      ]);
      if (!row) return undefined;
      const [stored] = await this.withRuns(tx, t, appId, [row]);
      // Versions and activities go with the head (ON DELETE CASCADE).
      await tx.run(`DELETE FROM message_campaigns WHERE ${APP_SCOPE} AND id = ?`, [t.accountId, t.region, appId, id]);
      return stored;
    });
  }

  async activities(t: Tenant, appId: string, campaignId: string, after: number, limit: number): Promise<Page<ActivityResponse>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      `SELECT seq, doc FROM campaign_activities WHERE ${APP_SCOPE} AND campaign_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [t.accountId, t.region, appId, campaignId, after, limit + 1],
    );
    return pageOfDocs<ActivityResponse>(rows, limit);
  }

  async insertActivity(t: Tenant, a: ActivityRecord): Promise<boolean> {
    const r = await this.db.run(
      `INSERT INTO campaign_activities (account_id, region, app_id, campaign_id, id, run_key, scheduled_at, state, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        t.accountId,
        t.region,
        a.doc.ApplicationId,
        a.doc.CampaignId,
        a.doc.Id,
        a.runKey,
        a.scheduledAt,
        a.doc.State ?? "PENDING",
        JSON.stringify(a.doc),
      ],
    );
    return r.changes === 1;
  }

  async usingSegment(t: Tenant, appId: string, segmentId: string): Promise<Doc[]> {
    return this.scan(t, appId, (d) => d.SegmentId === segmentId);
  }

  async eventCampaigns(t: Tenant, appId: string): Promise<Doc[]> {
    return this.scan(t, appId, (d) => d.Schedule?.Frequency === "EVENT" && d.IsPaused !== true);
  }

  /** The app's latest versions that `keep` accepts, a batch at a time (an app holds few campaigns). */
  private async scan(t: Tenant, appId: string, keep: (d: Doc) => boolean): Promise<Doc[]> {
    const out: Doc[] = [];
    let after = 0;
    for (;;) {
      const rows = await this.db.all<{ seq: number | string; doc: string }>(
        `SELECT seq, doc FROM message_campaigns WHERE ${APP_SCOPE} AND seq > ? ORDER BY seq LIMIT ?`,
        [t.accountId, t.region, appId, after, SCAN_BATCH],
      );
      for (const r of rows) {
        const d = JSON.parse(r.doc) as Doc;
        if (keep(d)) out.push(d);
      }
      if (rows.length < SCAN_BATCH) return out;
      after = Number(rows[rows.length - 1].seq);
    }
  }
}

async function insertVersion(tx: SqlExecutor, t: Tenant, doc: Doc, json: string): Promise<void> {
  await tx.run("INSERT INTO message_campaign_versions (account_id, region, app_id, id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [
    t.accountId,
    t.region,
    doc.ApplicationId,
    doc.Id,
    doc.Version,
    json,
  ]);
}
