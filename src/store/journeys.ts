/**
 * Pinpoint journeys (migration 10): one row per journey holding its definition as stored (State
 * DRAFT, ACTIVE, PAUSED or CANCELLED; CLOSED and COMPLETED are derived on read), a revision that
 * makes concurrent updates detectable, and whether the executor has closed entry. The journey's
 * participants live in journey_participants (journey-participants.ts); a journey reports how many
 * of them have not finished, and deleting it deletes them.
 */
import type { JourneyResponse } from "@aws-sdk/client-pinpoint";
import { appExists, appLockKey } from "./apps.js";
import { APP_SCOPE, type SqlDb } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

type Doc = JourneyResponse;

/** A journey's definition with what its derived state is read from. */
export interface StoredJourney {
  doc: Doc;
  /** Increases with every write; `replace` succeeds only against the revision it was read at. */
  revision: number;
  /** Participants that have not finished the journey. */
  inProgress: number;
  /** True once the executor lets no new participant enter. */
  entryClosed: boolean;
}

export interface JourneyRepository {
  /** Inserts a journey at revision 1; false when the app does not exist. */
  insert(tenant: Tenant, doc: Doc): Promise<boolean>;
  get(tenant: Tenant, appId: string, id: string): Promise<StoredJourney | undefined>;
  /** The app's journeys in creation order. */
  list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<StoredJourney>>;
  /** Replaces the definition if `expectedRevision` is still the latest; "stale" if another write won. */
  replace(tenant: Tenant, doc: Doc, expectedRevision: number): Promise<"ok" | "not-found" | "stale">;
  /**
   * Replaces the definition with a new State (UpdateJourneyState) and applies what the state means
   * for the participants in the same transaction: PAUSED records when the pause began; ACTIVE
   * after a pause moves every unfinished participant's due time on by the pause ("For wait
   * activities, wait time is paused when the journey is paused"); CANCELLED ends every participant.
   */
  changeState(tenant: Tenant, doc: Doc, expectedRevision: number, now: number): Promise<"ok" | "not-found" | "stale">;
  /** Deletes the journey with its participants; what was stored, if it existed. */
  delete(tenant: Tenant, appId: string, id: string): Promise<StoredJourney | undefined>;
  /** The app's journeys whose start condition or conditions name `segmentId`. */
  usingSegment(tenant: Tenant, appId: string, segmentId: string): Promise<Doc[]>;
}

interface Row {
  seq: number | string;
  doc: string;
  revision: number | string;
  entry_closed: number | string;
  in_progress: number | string | null;
}

/** The columns a StoredJourney is read from; `j` is the journeys table. */
const COLUMNS = `j.seq, j.doc, j.revision, j.entry_closed,
  (SELECT COUNT(*) FROM journey_participants p
    WHERE p.account_id = j.account_id AND p.region = j.region AND p.app_id = j.app_id AND p.journey_id = j.id
      AND p.finished_at IS NULL) AS in_progress`;
const J_SCOPE = "j.account_id = ? AND j.region = ? AND j.app_id = ?";

const stored = (r: Row): StoredJourney => ({
  doc: JSON.parse(r.doc) as Doc,
  revision: Number(r.revision),
  inProgress: Number(r.in_progress ?? 0),
  entryClosed: Number(r.entry_closed) === 1,
});

/** Every SegmentId a journey names: its start condition's and those of its conditions. */
export function segmentsOf(doc: Doc): Set<string> {
  const ids = new Set<string>();
  const s = doc.StartCondition;
  if (s?.SegmentStartCondition?.SegmentId) ids.add(s.SegmentStartCondition.SegmentId);
  if (s?.EventStartCondition?.SegmentId) ids.add(s.EventStartCondition.SegmentId);
  for (const a of Object.values(doc.Activities ?? {})) {
    const conditions = [
      ...(a.ConditionalSplit?.Condition?.Conditions ?? []),
      ...(a.MultiCondition?.Branches ?? []).map((b) => b.Condition ?? {}),
    ];
    for (const c of conditions) if (c.SegmentCondition?.SegmentId) ids.add(c.SegmentCondition.SegmentId);
  }
  return ids;
}

export class SqlJourneyRepository implements JourneyRepository {
  constructor(private readonly db: SqlDb) {}

  async insert(t: Tenant, doc: Doc): Promise<boolean> {
    const appId = doc.ApplicationId!;
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      if (!(await appExists(tx, t, appId))) return false;
      await tx.run(
        "INSERT INTO journeys (account_id, region, app_id, id, revision, state, entry_closed, doc) VALUES (?, ?, ?, ?, 1, ?, 0, ?)",
        [t.accountId, t.region, appId, doc.Id, doc.State, JSON.stringify(doc)],
      );
      return true;
    });
  }

  async get(t: Tenant, appId: string, id: string): Promise<StoredJourney | undefined> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM journeys j WHERE ${J_SCOPE} AND j.id = ?`, [
      t.accountId,
      t.region,
      appId,
      id,
    ]);
    return row && stored(row);
  }

  async list(t: Tenant, appId: string, after: number, limit: number): Promise<Page<StoredJourney>> {
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM journeys j WHERE ${J_SCOPE} AND j.seq > ? ORDER BY j.seq LIMIT ?`, [
      t.accountId,
      t.region,
      appId,
      after,
      limit + 1,
    ]);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map(stored), after: more ? Number(page[page.length - 1].seq) : undefined };
  }

  async replace(t: Tenant, doc: Doc, expectedRevision: number): Promise<"ok" | "not-found" | "stale"> {
    const appId = doc.ApplicationId!;
    const { changes } = await this.db.run(
      `UPDATE journeys SET doc = ?, state = ?, revision = revision + 1 WHERE ${APP_SCOPE} AND id = ? AND revision = ?`,
      [JSON.stringify(doc), doc.State, t.accountId, t.region, appId, doc.Id, expectedRevision],
    );
    if (changes === 1) return "ok";
    const row = await this.db.get(`SELECT 1 AS x FROM journeys WHERE ${APP_SCOPE} AND id = ?`, [t.accountId, t.region, appId, doc.Id]);
    return row ? "stale" : "not-found";
  }

  async changeState(t: Tenant, doc: Doc, expectedRevision: number, now: number): Promise<"ok" | "not-found" | "stale"> {
    const appId = doc.ApplicationId!;
    const key = [t.accountId, t.region, appId, doc.Id];
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const row = await tx.get<{ revision: number | string; state: string; paused_at: number | string | null }>(
        `SELECT revision, state, paused_at FROM journeys WHERE ${APP_SCOPE} AND id = ?`,
        key,
      );
      if (!row) return "not-found";
      if (Number(row.revision) !== expectedRevision) return "stale";
      const pausedAt = doc.State === "PAUSED" ? (row.state === "PAUSED" ? row.paused_at : now) : null;
      await tx.run(`UPDATE journeys SET doc = ?, state = ?, paused_at = ?, revision = revision + 1 WHERE ${APP_SCOPE} AND id = ?`, [
        JSON.stringify(doc),
        doc.State,
        pausedAt,
        ...key,
      ]);
      if (doc.State === "ACTIVE" && row.state === "PAUSED" && row.paused_at !== null) {
        const pause = now - Number(row.paused_at);
        await tx.run(
          `UPDATE journey_participants SET due_at = due_at + ? WHERE ${APP_SCOPE} AND journey_id = ? AND finished_at IS NULL AND due_at > ?`,
          [pause, ...key, Number(row.paused_at)],
        );
      }
      if (doc.State === "CANCELLED") {
        await tx.run(
          `UPDATE journey_participants SET finished_at = ?, claim_token = NULL WHERE ${APP_SCOPE} AND journey_id = ? AND finished_at IS NULL`,
          [now, ...key],
        );
      }
      return "ok";
    });
  }

  async delete(t: Tenant, appId: string, id: string): Promise<StoredJourney | undefined> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const row = await tx.get<Row>(`SELECT ${COLUMNS} FROM journeys j WHERE ${J_SCOPE} AND j.id = ?`, [t.accountId, t.region, appId, id]);
      if (!row) return undefined;
      await tx.run(`DELETE FROM journey_participants WHERE ${APP_SCOPE} AND journey_id = ?`, [t.accountId, t.region, appId, id]);
      await tx.run(`DELETE FROM journey_metrics WHERE ${APP_SCOPE} AND journey_id = ?`, [t.accountId, t.region, appId, id]);
      await tx.run(`DELETE FROM journeys WHERE ${APP_SCOPE} AND id = ?`, [t.accountId, t.region, appId, id]);
      return stored(row);
    });
  }

  async usingSegment(t: Tenant, appId: string, segmentId: string): Promise<Doc[]> {
    // The LIKE narrows the scan to documents that mention the id; segmentsOf decides.
    const rows = await this.db.all<{ doc: string }>(`SELECT doc FROM journeys WHERE ${APP_SCOPE} AND doc LIKE ? ORDER BY seq`, [
      t.accountId,
      t.region,
      appId,
      `%${segmentId.replace(/[%_\\]/g, "")}%`,
    ]);
    return rows.map((r) => JSON.parse(r.doc) as Doc).filter((d) => segmentsOf(d).has(segmentId));
  }
}
