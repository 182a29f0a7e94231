/**
 * Endpoints, keyed by (tenant, app, lower-cased endpoint id) with indexes by user id and by address.
 * Writes are read-merge-write plans run in one transaction under the app's lock, so a batch is
 * all-or-nothing and concurrent writers to one app (or a concurrent DeleteApp) stay exact.
 */
import type { EndpointResponse } from "@aws-sdk/client-pinpoint";
import { appExists, appLockKey } from "./apps.js";
import { writeFacts } from "./endpoint-facts.js";
import { chunks, marks, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Tenant } from "./tenant.js";

type Doc = EndpointResponse;

/** Endpoint ids are case-insensitive (`EndpointId` of GetEndpoint: "The case insensitive unique identifier for the endpoint"); the stored `Id` keeps the case first given. */
export const endpointKey = (id: string): string => id.toLowerCase();

export interface EndpointWritePlan {
  /** Ids of the endpoints the request writes (any case). */
  ids: string[];
  /** Given the stored endpoints among `ids` (by key), returns the documents to write. May throw. */
  merge(existing: Map<string, Doc>): Doc[];
  /**
   * Given, for each user id among the written documents, how many OTHER endpoints of the app carry
   * it, and the other ACTIVE endpoints of the app that share an address with a written document,
   * returns further documents to rewrite (e.g. deactivated duplicates). It may also adjust the
   * documents `merge` returned, which are written after it. May throw.
   */
  settle(context: { userCounts: Map<string, number>; sameAddress: Doc[] }): Doc[];
}

export interface EndpointRepository {
  /** Runs the plan atomically; false (nothing written) when the app does not exist. */
  write(tenant: Tenant, appId: string, plan: EndpointWritePlan): Promise<boolean>;
  get(tenant: Tenant, appId: string, id: string): Promise<Doc | undefined>;
  /** The stored endpoints among `ids` (any case), by key; ids with no endpoint are absent. */
  getMany(tenant: Tenant, appId: string, ids: string[]): Promise<Map<string, Doc>>;
  /** Endpoints of each of `userIds`, ordered by key within a user; users with none are absent. */
  byUsers(tenant: Tenant, appId: string, userIds: string[]): Promise<Map<string, Doc[]>>;
  delete(tenant: Tenant, appId: string, id: string): Promise<Doc | undefined>;
  /** Endpoints carrying `User.UserId` = userId, through the user index, ordered by key. */
  byUser(tenant: Tenant, appId: string, userId: string): Promise<Doc[]>;
  deleteByUser(tenant: Tenant, appId: string, userId: string): Promise<Doc[]>;
}

export class SqlEndpointRepository implements EndpointRepository {
  constructor(private readonly db: SqlDb) {}

  async write(t: Tenant, appId: string, plan: EndpointWritePlan): Promise<boolean> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      if (!(await appExists(tx, t, appId))) return false;
      await writePlan(tx, t, appId, plan);
      return true;
    });
  }

  async get(t: Tenant, appId: string, id: string): Promise<Doc | undefined> {
    const row = await this.db.get<{ doc: string }>(
      "SELECT doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND id_key = ?",
      [t.accountId, t.region, appId, endpointKey(id)],
    );
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }

  async getMany(t: Tenant, appId: string, ids: string[]): Promise<Map<string, Doc>> {
    const out = new Map<string, Doc>();
    for (const part of chunks([...new Set(ids.map(endpointKey))])) {
      const rows = await this.db.all<{ id_key: string; doc: string }>(
        `SELECT id_key, doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND id_key IN (${marks(part.length)})`,
        [t.accountId, t.region, appId, ...part],
      );
      for (const r of rows) out.set(r.id_key, JSON.parse(r.doc) as Doc);
    }
    return out;
  }

  async byUsers(t: Tenant, appId: string, userIds: string[]): Promise<Map<string, Doc[]>> {
    const rows: { id_key: string; doc: string; user_id: string }[] = [];
    for (const part of chunks([...new Set(userIds)])) {
      rows.push(
        ...(await this.db.all<{ id_key: string; doc: string; user_id: string }>(
          `SELECT id_key, doc, user_id FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND user_id IN (${marks(part.length)})`,
          [t.accountId, t.region, appId, ...part],
        )),
      );
    }
    const grouped = new Map<string, { id_key: string; doc: string }[]>();
    for (const r of rows) grouped.set(r.user_id, [...(grouped.get(r.user_id) ?? []), r]);
    return new Map([...grouped].map(([user, list]) => [user, byKey(list)]));
  }

  async delete(t: Tenant, appId: string, id: string): Promise<Doc | undefined> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const row = await tx.get<{ doc: string }>(
        "DELETE FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND id_key = ? RETURNING doc",
        [t.accountId, t.region, appId, endpointKey(id)],
      );
      return row ? (JSON.parse(row.doc) as Doc) : undefined;
    });
  }

  async byUser(t: Tenant, appId: string, userId: string): Promise<Doc[]> {
    // No ORDER BY: it would tempt planners onto the primary key (a scan of the app); at most 15 rows are sorted here.
    const rows = await this.db.all<{ id_key: string; doc: string }>(
      "SELECT id_key, doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND user_id = ?",
      [t.accountId, t.region, appId, userId],
    );
    return byKey(rows);
  }

  async deleteByUser(t: Tenant, appId: string, userId: string): Promise<Doc[]> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const rows = await tx.all<{ id_key: string; doc: string }>(
        "DELETE FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND user_id = ? RETURNING id_key, doc",
        [t.accountId, t.region, appId, userId],
      );
      return byKey(rows);
    });
  }
}

/**
 * Runs one write plan inside the caller's transaction (which must hold the app's lock); returns
 * the documents written. Bulk imports run many plans in one transaction, so each sees the ones before.
 */
export async function writePlan(tx: SqlExecutor, t: Tenant, appId: string, plan: EndpointWritePlan): Promise<Doc[]> {
  const scope = [t.accountId, t.region, appId];
  const keys = [...new Set(plan.ids.map(endpointKey))];
  const existing = new Map<string, Doc>();
  for (const part of chunks(keys)) {
    const rows = await tx.all<{ id_key: string; doc: string }>(
      `SELECT id_key, doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND id_key IN (${marks(part.length)})`,
      [...scope, ...part],
    );
    for (const r of rows) existing.set(r.id_key, JSON.parse(r.doc) as Doc);
  }
  const written = plan.merge(existing);
  const writtenKeys = [...new Set(written.map((d) => endpointKey(d.Id!)))];

  const userIds = [...new Set(written.map((d) => d.User?.UserId).filter((u): u is string => u !== undefined))];
  const userCounts = new Map<string, number>();
  for (const part of chunks(userIds)) {
    const rows = await tx.all<{ user_id: string; n: number | string }>(
      `SELECT user_id, COUNT(*) AS n FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND user_id IN (${marks(part.length)})
         AND id_key NOT IN (${marks(writtenKeys.length)}) GROUP BY user_id`,
      [...scope, ...part, ...writtenKeys],
    );
    for (const r of rows) userCounts.set(r.user_id, Number(r.n));
  }
  const addresses = [...new Set(written.map((d) => d.Address).filter((a): a is string => a !== undefined))];
  const sameAddress: Doc[] = [];
  for (const part of chunks(addresses)) {
    const rows = await tx.all<{ doc: string }>(
      `SELECT doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND address IN (${marks(part.length)})
         AND active = 1 AND id_key NOT IN (${marks(writtenKeys.length)})`,
      [...scope, ...part, ...writtenKeys],
    );
    for (const r of rows) sameAddress.push(JSON.parse(r.doc) as Doc);
  }
  const extra = plan.settle({ userCounts, sameAddress });
  // Endpoints that did not exist before have no facts to replace.
  const created = new Set(writtenKeys.filter((k) => !existing.has(k)));
  await upsert(tx, t, appId, [...written, ...extra], created);
  return written;
}

function byKey(rows: { id_key: string; doc: string }[]): Doc[] {
  rows.sort((a, b) => (a.id_key < b.id_key ? -1 : a.id_key > b.id_key ? 1 : 0));
  return rows.map((r) => JSON.parse(r.doc) as Doc);
}

/** Multi-row upsert; a key written twice keeps its last document. */
async function upsert(tx: SqlExecutor, t: Tenant, appId: string, docs: Doc[], created: Set<string>): Promise<void> {
  const byKey = new Map<string, Doc>();
  for (const d of docs) byKey.set(endpointKey(d.Id!), d);
  for (const part of chunks([...byKey.entries()])) {
    const params: unknown[] = [];
    for (const [key, d] of part) {
      params.push(
        t.accountId,
        t.region,
        appId,
        key,
        d.User?.UserId ?? null,
        d.Address ?? null,
        d.EndpointStatus === "ACTIVE" ? 1 : 0,
        JSON.stringify(d),
      );
    }
    await tx.run(
      `INSERT INTO endpoints (account_id, region, app_id, id_key, user_id, address, active, doc, has_facts) VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, 1)").join(", ")}
       ON CONFLICT (account_id, region, app_id, id_key) DO UPDATE SET user_id = excluded.user_id, address = excluded.address, active = excluded.active, doc = excluded.doc, has_facts = 1`,
      params,
    );
    await writeFacts(tx, t, appId, part, created);
  }
}
