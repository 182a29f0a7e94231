import type { RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import type { JsonText } from "../shared/json-text.js";
import type { SqlDb } from "./sql.js";
import { TenantDocTable } from "./tenant-docs.js";
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
  private readonly docs: TenantDocTable<Doc>;

  constructor(private readonly db: SqlDb) {
    this.docs = new TenantDocTable<Doc>(db, "recommenders");
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
