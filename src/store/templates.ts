/**
 * Message templates: a head row per (tenant, name, type) holding the active and latest version,
 * and one row per version holding that version's content. Every write runs in one transaction
 * under the tenant's template lock, so versions are numbered exactly and never reused.
 */
import { tenantLockKey, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

export type TemplateContent = Record<string, unknown>;

export interface TemplateHead {
  name: string;
  type: string;
  activeVersion: number;
  latestVersion: number;
  creationDate: string;
  lastModifiedDate: string;
  tags: Record<string, string>;
}

export interface TemplateVersion {
  version: number;
  creationDate: string;
  lastModifiedDate: string;
  content: TemplateContent;
}

export type UpdateOutcome = "ok" | "not-found" | "version-not-found" | "not-latest" | "too-many-versions";
export type DeleteVersionOutcome = "ok" | "not-found" | "version-not-found" | "active";
export type ActivateOutcome = "ok" | "not-found" | "version-not-found";

export interface TemplateRepository {
  /** Creates version 1 (active). "exists" when the name is taken for this type, "quota" at the tenant's quota. */
  create(
    tenant: Tenant,
    head: { name: string; type: string; tags: Record<string, string> },
    content: TemplateContent,
    now: string,
    quota: number,
  ): Promise<"ok" | "exists" | "quota">;
  head(tenant: Tenant, name: string, type: string): Promise<TemplateHead | undefined>;
  version(tenant: Tenant, name: string, type: string, version: number): Promise<TemplateVersion | undefined>;
  /** Appends a version (`newVersion`) or overwrites the latest one (`version`, if given, must be it). */
  update(
    tenant: Tenant,
    name: string,
    type: string,
    content: TemplateContent,
    now: string,
    mode: { newVersion: boolean; version?: number; maxVersions: number },
  ): Promise<UpdateOutcome>;
  /** Deletes the template with every version. */
  delete(tenant: Tenant, name: string, type: string): Promise<boolean>;
  /** Deletes one version; the last remaining version takes the template with it; the active one is refused while others remain. */
  deleteVersion(tenant: Tenant, name: string, type: string, version: number, now: string): Promise<DeleteVersionOutcome>;
  activate(tenant: Tenant, name: string, type: string, version: number | "latest", now: string): Promise<ActivateOutcome>;
  list(tenant: Tenant, filter: { prefix?: string; type?: string }, after: number, limit: number): Promise<Page<TemplateHead>>;
  /** Versions in ascending order; `after` is the last version number already returned. */
  versions(tenant: Tenant, name: string, type: string, after: number, limit: number): Promise<Page<TemplateVersion>>;
}

interface HeadRow {
  seq: number | string;
  name: string;
  type: string;
  active_version: number | string;
  latest_version: number | string;
  creation_date: string;
  last_modified_date: string;
  tags: string;
}

interface VersionRow {
  version: number | string;
  creation_date: string;
  last_modified_date: string;
  content: string;
}

const HEAD_COLUMNS = "seq, name, type, active_version, latest_version, creation_date, last_modified_date, tags";

const toHead = (r: HeadRow): TemplateHead => ({
  name: r.name,
  type: r.type,
  activeVersion: Number(r.active_version),
  latestVersion: Number(r.latest_version),
  creationDate: r.creation_date,
  lastModifiedDate: r.last_modified_date,
  tags: JSON.parse(r.tags) as Record<string, string>,
});

const toVersion = (r: VersionRow): TemplateVersion => ({
  version: Number(r.version),
  creationDate: r.creation_date,
  lastModifiedDate: r.last_modified_date,
  content: JSON.parse(r.content) as TemplateContent,
});

export class SqlTemplateRepository implements TemplateRepository {
  constructor(private readonly db: SqlDb) {}

  private lock(t: Tenant) {
    return tenantLockKey("templates", t);
  }

  private async headIn(tx: SqlExecutor, t: Tenant, name: string, type: string): Promise<TemplateHead | undefined> {
    const row = await tx.get<HeadRow>(
      `SELECT ${HEAD_COLUMNS} FROM templates WHERE account_id = ? AND region = ? AND name = ? AND type = ?`,
      [t.accountId, t.region, name, type],
    );
    return row ? toHead(row) : undefined;
  }

  private async hasVersion(tx: SqlExecutor, t: Tenant, name: string, type: string, version: number): Promise<boolean> {
    const row = await tx.get(
      "SELECT 1 AS x FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ? AND version = ?",
      [t.accountId, t.region, name, type, version],
    );
    return row !== undefined;
  }

  async create(
    t: Tenant,
    head: { name: string; type: string; tags: Record<string, string> },
    content: TemplateContent,
    now: string,
    quota: number,
  ) {
    return this.db.transaction(this.lock(t), async (tx) => {
      if (await this.headIn(tx, t, head.name, head.type)) return "exists" as const;
      const row = await tx.get<{ n: number | string }>("SELECT COUNT(*) AS n FROM templates WHERE account_id = ? AND region = ?", [
        t.accountId,
        t.region,
      ]);
      if (Number(row?.n ?? 0) >= quota) return "quota" as const;
      await tx.run(
        "INSERT INTO templates (account_id, region, name, type, active_version, latest_version, creation_date, last_modified_date, tags) VALUES (?, ?, ?, ?, 1, 1, ?, ?, ?)",
        [t.accountId, t.region, head.name, head.type, now, now, JSON.stringify(head.tags)],
      );
      await tx.run(
        "INSERT INTO template_versions (account_id, region, name, type, version, creation_date, last_modified_date, content) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
        [t.accountId, t.region, head.name, head.type, now, now, JSON.stringify(content)],
      );
      return "ok" as const;
    });
  }

  head(t: Tenant, name: string, type: string): Promise<TemplateHead | undefined> {
    return this.headIn(this.db, t, name, type);
  }

  async version(t: Tenant, name: string, type: string, version: number): Promise<TemplateVersion | undefined> {
    const row = await this.db.get<VersionRow>(
      "SELECT version, creation_date, last_modified_date, content FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ? AND version = ?",
      [t.accountId, t.region, name, type, version],
    );
    return row ? toVersion(row) : undefined;
  }

  async update(
    t: Tenant,
    name: string,
    type: string,
    content: TemplateContent,
    now: string,
    mode: { newVersion: boolean; version?: number; maxVersions: number },
  ): Promise<UpdateOutcome> {
    return this.db.transaction(this.lock(t), async (tx) => {
      const head = await this.headIn(tx, t, name, type);
      if (!head) return "not-found";
      const key = [t.accountId, t.region, name, type];
      if (mode.version !== undefined) {
        if (!(await this.hasVersion(tx, t, name, type, mode.version))) return "version-not-found";
        if (mode.version !== head.latestVersion) return "not-latest";
      }
      if (mode.newVersion) {
        const row = await tx.get<{ n: number | string }>(
          "SELECT COUNT(*) AS n FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ?",
          key,
        );
        if (Number(row?.n ?? 0) >= mode.maxVersions) return "too-many-versions";
        const next = head.latestVersion + 1;
        await tx.run(
          "INSERT INTO template_versions (account_id, region, name, type, version, creation_date, last_modified_date, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          [...key, next, now, now, JSON.stringify(content)],
        );
        await tx.run(
          "UPDATE templates SET latest_version = ?, last_modified_date = ? WHERE account_id = ? AND region = ? AND name = ? AND type = ?",
          [next, now, ...key],
        );
      } else {
        const { changes } = await tx.run(
          "UPDATE template_versions SET content = ?, last_modified_date = ? WHERE account_id = ? AND region = ? AND name = ? AND type = ? AND version = ?",
          [JSON.stringify(content), now, ...key, head.latestVersion],
        );
        if (changes === 0) return "version-not-found";
        await tx.run("UPDATE templates SET last_modified_date = ? WHERE account_id = ? AND region = ? AND name = ? AND type = ?", [
          now,
          ...key,
        ]);
      }
      return "ok";
    });
  }

  async delete(t: Tenant, name: string, type: string): Promise<boolean> {
    return this.db.transaction(this.lock(t), async (tx) => {
      const key = [t.accountId, t.region, name, type];
      const { changes } = await tx.run("DELETE FROM templates WHERE account_id = ? AND region = ? AND name = ? AND type = ?", key);
      await tx.run("DELETE FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ?", key);
      return changes > 0;
    });
  }

  async deleteVersion(t: Tenant, name: string, type: string, version: number, now: string): Promise<DeleteVersionOutcome> {
    return this.db.transaction(this.lock(t), async (tx) => {
      const head = await this.headIn(tx, t, name, type);
      if (!head) return "not-found";
      const key = [t.accountId, t.region, name, type];
      if (!(await this.hasVersion(tx, t, name, type, version))) return "version-not-found";
      const row = await tx.get<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ?",
        key,
      );
      if (Number(row?.n ?? 0) <= 1) {
        await tx.run("DELETE FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ?", key);
        await tx.run("DELETE FROM templates WHERE account_id = ? AND region = ? AND name = ? AND type = ?", key);
        return "ok";
      }
      if (version === head.activeVersion) return "active";
      await tx.run("DELETE FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ? AND version = ?", [
        ...key,
        version,
      ]);
      // The latest version number stays: version ids are never reused (Amazon Pinpoint User Guide:
      // Managing versions of message templates).
      await tx.run("UPDATE templates SET last_modified_date = ? WHERE account_id = ? AND region = ? AND name = ? AND type = ?", [
        now,
        ...key,
      ]);
      return "ok";
    });
  }

  async activate(t: Tenant, name: string, type: string, version: number | "latest", now: string): Promise<ActivateOutcome> {
    return this.db.transaction(this.lock(t), async (tx) => {
      const head = await this.headIn(tx, t, name, type);
      if (!head) return "not-found";
      let target: number;
      if (version === "latest") {
        const row = await tx.get<{ v: number | string | null }>(
          "SELECT MAX(version) AS v FROM template_versions WHERE account_id = ? AND region = ? AND name = ? AND type = ?",
          [t.accountId, t.region, name, type],
        );
        target = Number(row?.v);
      } else {
        if (!(await this.hasVersion(tx, t, name, type, version))) return "version-not-found";
        target = version;
      }
      await tx.run(
        "UPDATE templates SET active_version = ?, last_modified_date = ? WHERE account_id = ? AND region = ? AND name = ? AND type = ?",
        [target, now, t.accountId, t.region, name, type],
      );
      return "ok";
    });
  }

  async list(t: Tenant, filter: { prefix?: string; type?: string }, after: number, limit: number): Promise<Page<TemplateHead>> {
    let sql = `SELECT ${HEAD_COLUMNS} FROM templates WHERE account_id = ? AND region = ? AND seq > ?`;
    const params: unknown[] = [t.accountId, t.region, after];
    if (filter.prefix) {
      // substr, not LIKE: template names may contain `_`, a LIKE wildcard.
      sql += " AND substr(name, 1, ?) = ?";
      params.push(filter.prefix.length, filter.prefix);
    }
    if (filter.type) {
      sql += " AND type = ?";
      params.push(filter.type);
    }
    sql += " ORDER BY seq LIMIT ?";
    params.push(limit + 1);
    const rows = await this.db.all<HeadRow>(sql, params);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map(toHead), after: more ? Number(page[page.length - 1].seq) : undefined };
  }

  async versions(t: Tenant, name: string, type: string, after: number, limit: number): Promise<Page<TemplateVersion>> {
    const rows = await this.db.all<VersionRow>(
      `SELECT version, creation_date, last_modified_date, content FROM template_versions
        WHERE account_id = ? AND region = ? AND name = ? AND type = ? AND version > ? ORDER BY version LIMIT ?`,
      [t.accountId, t.region, name, type, after, limit + 1],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map(toVersion), after: more ? Number(page[page.length - 1].version) : undefined };
  }
}
