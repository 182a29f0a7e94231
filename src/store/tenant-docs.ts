/**
 * A table of one tenant's JSON documents (account_id, region, id, doc, and a seq for paging):
 * the storage the resources without children share (apps, recommender configurations).
 */
import { JsonText } from "../shared/json-text.js";
import { pageOfDocs, tenantLockKey, type SqlDb } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

export class TenantDocTable<Doc extends { Id?: string }> {
  /** `table` is a constant of the caller's, never input: it is written into the SQL. */
  constructor(
    private readonly db: SqlDb,
    private readonly table: string,
  ) {}

  /**
   * Inserts unless the tenant already has `quota` documents; false in that case. The count and the
   * insert run under the tenant's lock, so two creates cannot both take the last place.
   */
  async insert(t: Tenant, doc: Doc, quota: number): Promise<boolean> {
    return this.db.transaction(tenantLockKey(this.table, t), async (tx) => {
      const row = await tx.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${this.table} WHERE account_id = ? AND region = ?`, [
        t.accountId,
        t.region,
      ]);
      if (Number(row?.n ?? 0) >= quota) return false;
      await tx.run(`INSERT INTO ${this.table} (account_id, region, id, doc) VALUES (?, ?, ?, ?)`, [
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
    const row = await this.db.get<{ doc: string }>(`SELECT doc FROM ${this.table} WHERE account_id = ? AND region = ? AND id = ?`, [
      t.accountId,
      t.region,
      id,
    ]);
    return row ? new JsonText<Doc>(row.doc) : undefined;
  }

  async list(t: Tenant, after: number, limit: number): Promise<Page<Doc>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      `SELECT seq, doc FROM ${this.table} WHERE account_id = ? AND region = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [t.accountId, t.region, after, limit + 1],
    );
    return pageOfDocs<Doc>(rows, limit);
  }
}
