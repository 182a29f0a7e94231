/**
 * Segments: a head row per segment holding its latest version, one row per version, and for
 * imported segments the member endpoints. Selecting a segment's endpoints runs in the database
 * (see segment-query.ts), a page at a time in endpoint-key order.
 */
import type { EndpointResponse, SegmentResponse } from "@aws-sdk/client-pinpoint";
import { appExists, appLockKey } from "./apps.js";
import { endpointKey, writePlan, type EndpointWritePlan } from "./endpoints.js";
import { compileCriteria, type Criteria } from "./segment-query.js";
import { APP_SCOPE, chunks, marks, pageOfDocs, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

type Doc = SegmentResponse;

export interface EndpointPage {
  endpoints: EndpointResponse[];
  /** The key to continue after, when more may follow. */
  after?: string;
}

export interface MemberCounts {
  size: number;
  /** Members per ChannelType. */
  channels: Record<string, number>;
}

/** An imported segment's endpoints, written with it in one transaction: plans run in order. */
export type ImportPlans = AsyncIterable<EndpointWritePlan>;

export interface SegmentRepository {
  /** Inserts version 1; false when the app does not exist. */
  insert(tenant: Tenant, doc: Doc): Promise<boolean>;
  /**
   * Writes the endpoints of every plan, all in one transaction: a plan that throws leaves nothing
   * behind. With `segment`, also creates that imported segment with the written endpoints as its
   * members; `finish` gives the document to store once the members are known. False when the app
   * does not exist; otherwise the stored segment document, if any.
   */
  importEndpoints(
    tenant: Tenant,
    appId: string,
    plans: ImportPlans,
    segment?: { doc: Doc; finish: (members: MemberCounts) => Doc },
  ): Promise<false | { segment?: Doc }>;
  /** The latest version, or the given one. */
  get(tenant: Tenant, appId: string, id: string, version?: number): Promise<Doc | undefined>;
  list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<Doc>>;
  versions(tenant: Tenant, appId: string, id: string, after: number, limit: number): Promise<Page<Doc>>;
  /** Appends `doc` as the next version if `expectedVersion` is still the latest; "stale" if another update won. */
  appendVersion(tenant: Tenant, doc: Doc, expectedVersion: number): Promise<"ok" | "not-found" | "stale">;
  /** Deletes the segment with its versions and members. */
  delete(tenant: Tenant, appId: string, id: string): Promise<Doc | undefined>;
  /** Endpoints matching `criteria` with keys after `after`, in key order. */
  endpoints(tenant: Tenant, appId: string, criteria: Criteria, after: string | undefined, limit: number): Promise<EndpointPage>;
  count(tenant: Tenant, appId: string, criteria: Criteria): Promise<number>;
  /** Those of the given endpoints (ids, any case) that match `criteria`, in key order. */
  members(tenant: Tenant, appId: string, criteria: Criteria, endpointIds: string[]): Promise<EndpointResponse[]>;
}

const MEMBER_ROWS = 200;
/** Imports of at least this many endpoints refresh PostgreSQL's planner statistics. */
const ANALYZE_AFTER = 1000;

export class SqlSegmentRepository implements SegmentRepository {
  constructor(private readonly db: SqlDb) {}

  async insert(t: Tenant, doc: Doc): Promise<boolean> {
    return this.db.transaction(appLockKey(t, doc.ApplicationId!), async (tx) => {
      if (!(await appExists(tx, t, doc.ApplicationId!))) return false;
      await insertDoc(tx, t, doc);
      return true;
    });
  }

  async importEndpoints(
    t: Tenant,
    appId: string,
    plans: ImportPlans,
    segment?: { doc: Doc; finish: (members: MemberCounts) => Doc },
  ): Promise<false | { segment?: Doc }> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      if (!(await appExists(tx, t, appId))) return false;
      if (segment) await insertDoc(tx, t, segment.doc);
      // Members by key with their channel: the segment's Size and ChannelCounts.
      const members = new Map<string, string | undefined>();
      for await (const plan of plans) {
        const written = await writePlan(tx, t, appId, plan);
        if (!segment) continue;
        const keys: string[] = [];
        for (const d of written) {
          const key = endpointKey(d.Id!);
          if (!members.has(key)) keys.push(key);
          members.set(key, d.ChannelType);
        }
        for (let i = 0; i < keys.length; i += MEMBER_ROWS) {
          const part = keys.slice(i, i + MEMBER_ROWS);
          await tx.run(
            `INSERT INTO segment_members (account_id, region, app_id, segment_id, id_key) VALUES ${part.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
            part.flatMap((k) => [t.accountId, t.region, appId, segment.doc.Id, k]),
          );
        }
      }
      // PostgreSQL plans later segment queries from table statistics; a large import would leave
      // them describing nearly empty tables until autovacuum catches up.
      if (this.db.dialect === "postgres" && members.size >= ANALYZE_AFTER) {
        for (const table of ["endpoints", "endpoint_facts", "segment_members"]) await tx.run(`ANALYZE ${table}`);
      }
      if (!segment) return {};
      const counts: MemberCounts = { size: members.size, channels: {} };
      for (const channel of members.values()) if (channel !== undefined) counts.channels[channel] = (counts.channels[channel] ?? 0) + 1;
      const final = segment.finish(counts);
      const json = JSON.stringify(final);
      await tx.run(`UPDATE segments SET doc = ? WHERE ${APP_SCOPE} AND id = ?`, [json, t.accountId, t.region, appId, final.Id]);
      await tx.run(`UPDATE segment_versions SET doc = ? WHERE ${APP_SCOPE} AND id = ? AND version = ?`, [
        json,
        t.accountId,
        t.region,
        appId,
        final.Id,
        final.Version,
      ]);
      return { segment: final };
    });
  }

  async get(t: Tenant, appId: string, id: string, version?: number): Promise<Doc | undefined> {
    const row =
      version === undefined
        ? await this.db.get<{ doc: string }>(`SELECT doc FROM segments WHERE ${APP_SCOPE} AND id = ?`, [t.accountId, t.region, appId, id])
        : await this.db.get<{ doc: string }>(`SELECT doc FROM segment_versions WHERE ${APP_SCOPE} AND id = ? AND version = ?`, [
            t.accountId,
            t.region,
            appId,
            id,
            version,
          ]);
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }

  async list(t: Tenant, appId: string, after: number, limit: number): Promise<Page<Doc>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      `SELECT seq, doc FROM segments WHERE ${APP_SCOPE} AND seq > ? ORDER BY seq LIMIT ?`,
      [t.accountId, t.region, appId, after, limit + 1],
    );
    return pageOfDocs<Doc>(rows, limit);
  }

  async versions(t: Tenant, appId: string, id: string, after: number, limit: number): Promise<Page<Doc>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      `SELECT version AS seq, doc FROM segment_versions WHERE ${APP_SCOPE} AND id = ? AND version > ? ORDER BY version LIMIT ?`,
      [t.accountId, t.region, appId, id, after, limit + 1],
    );
    return pageOfDocs<Doc>(rows, limit);
  }

  async appendVersion(t: Tenant, doc: Doc, expectedVersion: number): Promise<"ok" | "not-found" | "stale"> {
    const appId = doc.ApplicationId!;
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const head = await tx.get<{ version: number | string }>(`SELECT version FROM segments WHERE ${APP_SCOPE} AND id = ?`, [
        t.accountId,
        t.region,
        appId,
        doc.Id,
      ]);
      if (!head) return "not-found";
      if (Number(head.version) !== expectedVersion) return "stale";
      const json = JSON.stringify(doc);
      await tx.run(`UPDATE segments SET version = ?, doc = ? WHERE ${APP_SCOPE} AND id = ?`, [
        doc.Version,
        json,
        t.accountId,
        t.region,
        appId,
        doc.Id,
      ]);
      await tx.run("INSERT INTO segment_versions (account_id, region, app_id, id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [
        t.accountId,
        t.region,
        appId,
        doc.Id,
        doc.Version,
        json,
      ]);
      return "ok";
    });
  }

  async delete(t: Tenant, appId: string, id: string): Promise<Doc | undefined> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const row = await tx.get<{ doc: string }>(`SELECT doc FROM segments WHERE ${APP_SCOPE} AND id = ?`, [
        t.accountId,
        t.region,
        appId,
        id,
      ]);
      if (!row) return undefined;
      // Versions and members go with the head (ON DELETE CASCADE).
      await tx.run(`DELETE FROM segments WHERE ${APP_SCOPE} AND id = ?`, [t.accountId, t.region, appId, id]);
      return JSON.parse(row.doc) as Doc;
    });
  }

  async endpoints(t: Tenant, appId: string, criteria: Criteria, after: string | undefined, limit: number): Promise<EndpointPage> {
    const where = compileCriteria(criteria, this.db.dialect);
    const rows = await this.db.all<{ id_key: string; doc: string }>(
      `SELECT e.id_key, e.doc FROM endpoints e WHERE e.account_id = ? AND e.region = ? AND e.app_id = ? AND e.id_key > ? AND ${where.sql}
        ORDER BY e.id_key LIMIT ?`,
      [t.accountId, t.region, appId, after ?? "", ...where.params, limit],
    );
    return {
      endpoints: rows.map((r) => JSON.parse(r.doc) as EndpointResponse),
      ...(rows.length === limit && { after: rows[rows.length - 1].id_key }),
    };
  }

  async members(t: Tenant, appId: string, criteria: Criteria, endpointIds: string[]): Promise<EndpointResponse[]> {
    const where = compileCriteria(criteria, this.db.dialect);
    const out: EndpointResponse[] = [];
    for (const part of chunks([...new Set(endpointIds.map(endpointKey))], MEMBER_ROWS)) {
      const rows = await this.db.all<{ doc: string }>(
        `SELECT e.doc FROM endpoints e WHERE e.account_id = ? AND e.region = ? AND e.app_id = ? AND e.id_key IN (${marks(part.length)}) AND ${where.sql}
          ORDER BY e.id_key`,
        [t.accountId, t.region, appId, ...part, ...where.params],
      );
      for (const r of rows) out.push(JSON.parse(r.doc) as EndpointResponse);
    }
    return out;
  }

  async count(t: Tenant, appId: string, criteria: Criteria): Promise<number> {
    const where = compileCriteria(criteria, this.db.dialect);
    const row = await this.db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM endpoints e WHERE e.account_id = ? AND e.region = ? AND e.app_id = ? AND ${where.sql}`,
      [t.accountId, t.region, appId, ...where.params],
    );
    return Number(row?.n ?? 0);
  }
}

async function insertDoc(tx: SqlExecutor, t: Tenant, doc: Doc): Promise<void> {
  const json = JSON.stringify(doc);
  await tx.run("INSERT INTO segments (account_id, region, app_id, id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [
    t.accountId,
    t.region,
    doc.ApplicationId,
    doc.Id,
    doc.Version,
    json,
  ]);
  await tx.run("INSERT INTO segment_versions (account_id, region, app_id, id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [
    t.accountId,
    t.region,
    doc.ApplicationId,
    doc.Id,
    doc.Version,
    json,
  ]);
}
