/** Apps (Pinpoint projects): one row per app; deleting an app deletes its endpoints with it. */
import { JsonText } from "../shared/json-text.js";
import type { ApplicationResponse } from "@aws-sdk/client-pinpoint";
import { pageOfDocs, tenantLockKey, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

type Doc = ApplicationResponse;

export interface AppRepository {
  /** Inserts unless the tenant already has `quota` apps; returns false in that case. */
  insert(tenant: Tenant, doc: Doc, quota: number): Promise<boolean>;
  get(tenant: Tenant, id: string): Promise<Doc | undefined>;
  /** The stored document's JSON text, unparsed, for a reply that returns it unchanged. */
  getText(tenant: Tenant, id: string): Promise<JsonText<Doc> | undefined>;
  list(tenant: Tenant, after: number, limit: number): Promise<Page<Doc>>;
  /** Deletes the app and every endpoint of it in one transaction; the deleted app, if it existed. */
  delete(tenant: Tenant, id: string): Promise<Doc | undefined>;
}

/** Serialises every write that touches one app (endpoint writes, app deletion) across processes. */
export function appLockKey(t: Tenant, appId: string): string {
  return tenantLockKey("app", t, appId);
}

/** Whether the app exists; writes to an app's resources check it under the app's lock (appLockKey). */
export async function appExists(tx: SqlExecutor, t: Tenant, appId: string): Promise<boolean> {
  return (
    (await tx.get("SELECT 1 AS x FROM apps WHERE account_id = ? AND region = ? AND id = ?", [t.accountId, t.region, appId])) !== undefined
  );
}

export class SqlAppRepository implements AppRepository {
  constructor(private readonly db: SqlDb) {}

  async insert(t: Tenant, doc: Doc, quota: number): Promise<boolean> {
    return this.db.transaction(tenantLockKey("apps", t), async (tx) => {
      const row = await tx.get<{ n: number | string }>("SELECT COUNT(*) AS n FROM apps WHERE account_id = ? AND region = ?", [
        t.accountId,
        t.region,
      ]);
      if (Number(row?.n ?? 0) >= quota) return false;
      await tx.run("INSERT INTO apps (account_id, region, id, doc) VALUES (?, ?, ?, ?)", [
        t.accountId,
        t.region,
        doc.Id,
        JSON.stringify(doc),
      ]);
      return true;
    });
  }

  async get(t: Tenant, id: string): Promise<Doc | undefined> {
    return (await this.getText(t, id))?.parse();
  }

  async getText(t: Tenant, id: string): Promise<JsonText<Doc> | undefined> {
    const row = await this.db.get<{ doc: string }>("SELECT doc FROM apps WHERE account_id = ? AND region = ? AND id = ?", [
      t.accountId,
      t.region,
      id,
    ]);
    return row ? new JsonText<Doc>(row.doc) : undefined;
  }

  async list(t: Tenant, after: number, limit: number): Promise<Page<Doc>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      "SELECT seq, doc FROM apps WHERE account_id = ? AND region = ? AND seq > ? ORDER BY seq LIMIT ?",
      [t.accountId, t.region, after, limit + 1],
    );
    return pageOfDocs<Doc>(rows, limit);
  }

  async delete(t: Tenant, id: string): Promise<Doc | undefined> {
    return this.db.transaction(appLockKey(t, id), async (tx) => {
      const row = await tx.get<{ doc: string }>("DELETE FROM apps WHERE account_id = ? AND region = ? AND id = ? RETURNING doc", [
        t.accountId,
        t.region,
        id,
      ]);
      if (!row) return undefined;
      await tx.run("DELETE FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ?", [t.accountId, t.region, id]);
      return JSON.parse(row.doc) as Doc;
    });
  }
}
