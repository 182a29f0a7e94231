/** An app's channel settings (email, SMS, …): one JSON document per (app, channel type). */
import { appExists, appLockKey } from "./apps.js";
import type { SqlDb } from "./sql.js";
import type { Tenant } from "./tenant.js";

export interface ChannelRepository {
  get<T>(tenant: Tenant, appId: string, type: string): Promise<T | undefined>;
  /**
   * Reads the current document, lets `next` build the new one from it, and stores that, in one
   * transaction under the app's lock. Undefined when the app does not exist.
   */
  upsert<T>(tenant: Tenant, appId: string, type: string, next: (current: T | undefined) => T): Promise<T | undefined>;
  delete<T>(tenant: Tenant, appId: string, type: string): Promise<T | undefined>;
  /** Every configured channel of the app, by type. */
  all(tenant: Tenant, appId: string): Promise<Map<string, unknown>>;
}

const KEY = "account_id = ? AND region = ? AND app_id = ? AND type = ?";

export class SqlChannelRepository implements ChannelRepository {
  constructor(private readonly db: SqlDb) {}

  async get<T>(t: Tenant, appId: string, type: string): Promise<T | undefined> {
    const row = await this.db.get<{ doc: string }>(`SELECT doc FROM channels WHERE ${KEY}`, [t.accountId, t.region, appId, type]);
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  async upsert<T>(t: Tenant, appId: string, type: string, next: (current: T | undefined) => T): Promise<T | undefined> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      if (!(await appExists(tx, t, appId))) return undefined;
      const row = await tx.get<{ doc: string }>(`SELECT doc FROM channels WHERE ${KEY}`, [t.accountId, t.region, appId, type]);
      const doc = next(row ? (JSON.parse(row.doc) as T) : undefined);
      await tx.run(
        `INSERT INTO channels (account_id, region, app_id, type, doc) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, region, app_id, type) DO UPDATE SET doc = excluded.doc`,
        [t.accountId, t.region, appId, type, JSON.stringify(doc)],
      );
      return doc;
    });
  }

  async delete<T>(t: Tenant, appId: string, type: string): Promise<T | undefined> {
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      const row = await tx.get<{ doc: string }>(`DELETE FROM channels WHERE ${KEY} RETURNING doc`, [t.accountId, t.region, appId, type]);
      return row ? (JSON.parse(row.doc) as T) : undefined;
    });
  }

  async all(t: Tenant, appId: string): Promise<Map<string, unknown>> {
    const rows = await this.db.all<{ type: string; doc: string }>(
      "SELECT type, doc FROM channels WHERE account_id = ? AND region = ? AND app_id = ? ORDER BY type",
      [t.accountId, t.region, appId],
    );
    return new Map(rows.map((r) => [r.type, JSON.parse(r.doc)]));
  }
}
