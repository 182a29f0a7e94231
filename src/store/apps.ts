/** Apps (Pinpoint projects): one row per app; deleting an app deletes its endpoints and undelivered messages with it. */
import type { JsonText } from "../shared/json-text.js";
import type { ApplicationResponse } from "@aws-sdk/client-pinpoint";
import { tenantLockKey, type SqlDb, type SqlExecutor } from "./sql.js";
import { TenantDocTable } from "./tenant-docs.js";
import type { Page, Tenant } from "./tenant.js";

type Doc = ApplicationResponse;

export interface AppRepository {
  /** Inserts unless the tenant already has `quota` apps; returns false in that case. */
  insert(tenant: Tenant, doc: Doc, quota: number): Promise<boolean>;
  get(tenant: Tenant, id: string): Promise<Doc | undefined>;
  /** The stored document's JSON text, unparsed, for a reply that returns it unchanged. */
  getText(tenant: Tenant, id: string): Promise<JsonText<Doc> | undefined>;
  list(tenant: Tenant, after: number, limit: number): Promise<Page<Doc>>;
  /** Deletes the app, every endpoint of it and its messages not yet delivered, in one transaction; the deleted app, if it existed. */
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
  private readonly docs: TenantDocTable<Doc>;

  constructor(private readonly db: SqlDb) {
    this.docs = new TenantDocTable<Doc>(db, "apps");
  }

  insert(t: Tenant, doc: Doc, quota: number): Promise<boolean> {
    return this.docs.insert(t, doc, quota);
  }

  get(t: Tenant, id: string): Promise<Doc | undefined> {
    return this.docs.get(t, id);
  }

  getText(t: Tenant, id: string): Promise<JsonText<Doc> | undefined> {
    return this.docs.getText(t, id);
  }

  list(t: Tenant, after: number, limit: number): Promise<Page<Doc>> {
    return this.docs.list(t, after, limit);
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
      // Nothing is delivered for a deleted app: its messages still waiting (queued, or claimed by a
      // drainer whose send has not finished) go with it. Sent, failed and stored ones stay as records.
      await tx.run("DELETE FROM outbox_messages WHERE account_id = ? AND region = ? AND app_id = ? AND status IN ('QUEUED', 'SENDING')", [
        t.accountId,
        t.region,
        id,
      ]);
      return JSON.parse(row.doc) as Doc;
    });
  }
}
