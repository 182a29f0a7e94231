/** An app's channel settings (email, SMS, …): one JSON document per (app, channel type). */
import { appExists, appLockKey } from "./apps.js";
import { ChannelSecretBox } from "./channel-secrets.js";
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
  /**
   * As `upsert`, for a channel with credentials: `next` sees the stored document and credentials
   * and returns both; the credentials are stored encrypted beside the document (never inside it).
   */
  upsertWithSecrets<T, S>(
    tenant: Tenant,
    appId: string,
    type: string,
    next: (current: { doc: T; secrets?: S } | undefined) => { doc: T; secrets?: S },
  ): Promise<T | undefined>;
  /** A channel's credentials, decrypted (for delivery); undefined when it has none or is not configured. */
  getSecrets<S>(tenant: Tenant, appId: string, type: string): Promise<S | undefined>;
}

const KEY = "account_id = ? AND region = ? AND app_id = ? AND type = ?";

/** What a sealed credential is bound to: its row, so it cannot be moved to another. */
const binding = (t: Tenant, appId: string, type: string) => JSON.stringify([t.accountId, t.region, appId, type]);

export class SqlChannelRepository implements ChannelRepository {
  private readonly box: ChannelSecretBox;

  constructor(private readonly db: SqlDb) {
    this.box = new ChannelSecretBox(db);
  }

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

  async upsertWithSecrets<T, S>(
    t: Tenant,
    appId: string,
    type: string,
    next: (current: { doc: T; secrets?: S } | undefined) => { doc: T; secrets?: S },
  ): Promise<T | undefined> {
    const b = binding(t, appId, type);
    // Load the key first: creating it writes, which must not happen inside the channel's transaction.
    await this.box.seal("", b);
    return this.db.transaction(appLockKey(t, appId), async (tx) => {
      if (!(await appExists(tx, t, appId))) return undefined;
      const cur = await tx.get<{ doc: string; secrets: string | null }>(`SELECT doc, secrets FROM channels WHERE ${KEY}`, [
        t.accountId,
        t.region,
        appId,
        type,
      ]);
      const secrets = cur?.secrets ? (JSON.parse(await this.box.open(cur.secrets, b)) as S) : undefined;
      const out = next(cur ? { doc: JSON.parse(cur.doc) as T, ...(secrets !== undefined && { secrets }) } : undefined);
      const sealed = out.secrets === undefined ? null : await this.box.seal(JSON.stringify(out.secrets), b);
      await tx.run(
        `INSERT INTO channels (account_id, region, app_id, type, doc, secrets) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, region, app_id, type) DO UPDATE SET doc = excluded.doc, secrets = excluded.secrets`,
        [t.accountId, t.region, appId, type, JSON.stringify(out.doc), sealed],
      );
      return out.doc;
    });
  }

  async getSecrets<S>(t: Tenant, appId: string, type: string): Promise<S | undefined> {
    const row = await this.db.get<{ secrets: string | null }>(`SELECT secrets FROM channels WHERE ${KEY}`, [
      t.accountId,
      t.region,
      appId,
      type,
    ]);
    return row?.secrets ? (JSON.parse(await this.box.open(row.secrets, binding(t, appId, type))) as S) : undefined;
  }
}
