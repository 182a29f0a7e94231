/** Import jobs (CreateImportJob): one ImportJobResponse document per job, listed per app in creation order. */
import type { ImportJobResponse } from "@aws-sdk/client-pinpoint";
import { pageOfDocs, type SqlDb } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

type Doc = ImportJobResponse;

export interface ImportJobRepository {
  insert(tenant: Tenant, doc: Doc): Promise<void>;
  /** Replaces the stored document (a job's progress and outcome). */
  replace(tenant: Tenant, doc: Doc): Promise<void>;
  get(tenant: Tenant, appId: string, id: string): Promise<Doc | undefined>;
  list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<Doc>>;
}

export class SqlImportJobRepository implements ImportJobRepository {
  constructor(private readonly db: SqlDb) {}

  async insert(t: Tenant, doc: Doc): Promise<void> {
    await this.db.run("INSERT INTO import_jobs (account_id, region, app_id, id, doc) VALUES (?, ?, ?, ?, ?)", [
      t.accountId,
      t.region,
      doc.ApplicationId,
      doc.Id,
      JSON.stringify(doc),
    ]);
  }

  async replace(t: Tenant, doc: Doc): Promise<void> {
    await this.db.run("UPDATE import_jobs SET doc = ? WHERE account_id = ? AND region = ? AND app_id = ? AND id = ?", [
      JSON.stringify(doc),
      t.accountId,
      t.region,
      doc.ApplicationId,
      doc.Id,
    ]);
  }

  async get(t: Tenant, appId: string, id: string): Promise<Doc | undefined> {
    const row = await this.db.get<{ doc: string }>(
      "SELECT doc FROM import_jobs WHERE account_id = ? AND region = ? AND app_id = ? AND id = ?",
      [t.accountId, t.region, appId, id],
    );
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  }

  async list(t: Tenant, appId: string, after: number, limit: number): Promise<Page<Doc>> {
    const rows = await this.db.all<{ seq: number | string; doc: string }>(
      "SELECT seq, doc FROM import_jobs WHERE account_id = ? AND region = ? AND app_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      [t.accountId, t.region, appId, after, limit + 1],
    );
    return pageOfDocs<Doc>(rows, limit);
  }
}
