import type { RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import { JsonText } from "../shared/json-text.js";
import { pageOfDocs, tenantLockKey, type SqlDb } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

export interface RecommenderRepository {
  /** Inserts unless the tenant already has `quota` configurations; returns false in that case. */
  insert(tenant: Tenant, doc: RecommenderConfigurationResponse, quota: number): Promise<boolean>;
  get(tenant: Tenant, id: string): Promise<RecommenderConfigurationResponse | undefined>;
  /** The stored document's JSON text, unparsed, for a reply that returns it unchanged. */
  getText(tenant: Tenant, id: string): Promise<JsonText<RecommenderConfigurationResponse> | undefined>;
  list(tenant: Tenant, after: number, limit: number): Promise<Page<RecommenderConfigurationResponse>>;
  /** Replaces the stored document; false when it no longer exists. */
  replace(tenant: Tenant, doc: RecommenderConfigurationResponse): Promise<boolean>;
  delete(tenant: Tenant, id: string): Promise<RecommenderConfigurationResponse | undefined>;
}

type Doc = RecommenderConfigurationResponse;

export class SqlRecommenderRepository implements RecommenderRepository {
  constructor(private readonly db: SqlDb) {}

  async insert(t: Tenant, doc: Doc, quota: number): Promise<boolean> {
    return this.db.transaction(tenantLockKey("recommenders", t), async (tx) => {
      const row = await tx.get<{ n: number | string }>("SELECT COUNT(*) AS n FROM recommenders WHERE account_id = ? AND region = ?", [
        t.accountId,
        t.region,
      ]);
      if (Number(row?.n ?? 0) >= quota) return false;
      await tx.run("INSERT INTO recommenders (account_id, region, id, doc) VALUES (?, ?, ?, ?)", [
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
    const row = await this.db.get<{ doc: string }>("SELECT doc FROM recommenders WHERE account_id = ? AND region = ? AND id = ?", [
      t.accountId,
      t.region,
      id,
    ]);
    return row ? new JsonText<Doc>(row.doc) : undefined;
  }

  async list(t: Tenant, after: number, limit: number): Promise<Page<Doc>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      "SELECT seq, doc FROM recommenders WHERE account_id = ? AND region = ? AND seq > ? ORDER BY seq LIMIT ?",
      [t.accountId, t.region, after, limit + 1],
    );
    return pageOfDocs<Doc>(rows, limit);
  }

  async replace(t: Tenant, doc: Doc): Promise<boolean> {
    const { changes } = await this.db.run("UPDATE recommenders SET doc = ? WHERE account_id = ? AND region = ? AND id = ?", [
      JSON.stringify(doc),
      t.accountId,
      t.region,
      doc.Id,
    ]);
    return changes > 0;
  }

  async delete(t: Tenant, id: string): Promise<Doc | undefined> {
    const row = await this.db.get<{ doc: string }>(
      "DELETE FROM recommenders WHERE account_id = ? AND region = ? AND id = ? RETURNING doc",
      [t.accountId, t.region, id],
    );
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }
}
