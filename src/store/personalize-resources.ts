/**
 * Amazon Personalize control-plane resources (dataset groups, schemas, datasets, import jobs,
 * solutions, solution versions, campaigns' control-plane details, filters), one row each, keyed by
 * tenant and ARN. Rows name the resource that contains them (`parentArn`: a dataset's dataset
 * group, a version's solution) and the one they use (`refArn`: a dataset's schema, a campaign's
 * solution version), which is what a delete checks before refusing with ResourceInUseException.
 *
 * Import jobs and solution versions are durable work: a worker claims a row under a lease
 * (FOR UPDATE SKIP LOCKED on PostgreSQL), so a job whose worker died is taken over when its lease
 * runs out, and never runs on two workers at once.
 */
import { tenantLockKey, type SqlDb } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

export type PersonalizeKind =
  | "dataset-group"
  | "schema"
  | "dataset"
  | "dataset-import-job"
  | "solution"
  | "solution-version"
  | "campaign"
  | "filter"
  | "event-tracker";

/** A resource row; `Doc` is the caller's document type (the store keeps it as JSON and does not look inside). */
export interface PersonalizeResource<Doc extends object = Record<string, unknown>> {
  kind: PersonalizeKind;
  arn: string;
  name: string;
  parentArn?: string;
  refArn?: string;
  status: string;
  doc: Doc;
}

/** A job row a worker holds: the resource, its tenant, and how many times it has been claimed. */
export interface ClaimedJob {
  tenant: Tenant;
  resource: PersonalizeResource;
  attempts: number;
}

export type InsertOutcome = "inserted" | "exists" | "limit";

/** At most `max` resources of the row's kind in the tenant, or under the row's parent when `perParent`. */
export interface ResourceLimit {
  max: number;
  perParent?: boolean;
}

export interface PersonalizeResourceRepository {
  insert(t: Tenant, r: PersonalizeResource<object>, limit?: ResourceLimit): Promise<InsertOutcome>;
  get<D extends object = Record<string, unknown>>(t: Tenant, arn: string): Promise<PersonalizeResource<D> | undefined>;
  /** The tenant's resources of a kind (under one parent when given), in creation order. */
  list<D extends object = Record<string, unknown>>(
    t: Tenant,
    kind: PersonalizeKind,
    parentArn: string | undefined,
    after: number,
    limit: number,
  ): Promise<Page<PersonalizeResource<D>>>;
  /** Replaces status and document of an existing row (not one a worker holds: see finishJob). */
  update(t: Tenant, arn: string, status: string, doc: object): Promise<boolean>;
  /**
   * Deletes unless another row names it as parent or reference (then "in-use", with that row's
   * ARN). Children of the `cascade` kinds are deleted with it (a dataset's import jobs, a
   * solution's versions), unless one of them is pending or running, or another row uses it.
   */
  delete(
    t: Tenant,
    arn: string,
    cascade?: PersonalizeKind[],
  ): Promise<{ outcome: "deleted" | "missing" } | { outcome: "in-use"; by: string }>;
  /** Takes the oldest pending job of these kinds, or one whose lease ran out; marks it CREATE IN_PROGRESS. */
  claimJob(kinds: PersonalizeKind[], owner: string, now: number, leaseUntil: number): Promise<ClaimedJob | undefined>;
  renewJob(t: Tenant, arn: string, owner: string, leaseUntil: number): Promise<boolean>;
  /** Writes a job's outcome and drops its lease, if `owner` still holds it. */
  finishJob(t: Tenant, arn: string, owner: string, status: string, doc: object): Promise<boolean>;
}

interface Row {
  account_id: string;
  region: string;
  kind: string;
  arn: string;
  name: string;
  parent_arn: string | null;
  ref_arn: string | null;
  status: string;
  doc: string;
  attempts: number | string;
  seq: number | string;
}

const TABLE = "personalize_resources";
const KEY = "account_id = ? AND region = ? AND arn = ?";

function fromRow<D extends object>(row: Row): PersonalizeResource<D> {
  return {
    kind: row.kind as PersonalizeKind,
    arn: row.arn,
    name: row.name,
    ...(row.parent_arn !== null && { parentArn: row.parent_arn }),
    ...(row.ref_arn !== null && { refArn: row.ref_arn }),
    status: row.status,
    doc: JSON.parse(row.doc) as D,
  };
}

export class SqlPersonalizeResourceRepository implements PersonalizeResourceRepository {
  constructor(private readonly db: SqlDb) {}

  insert(t: Tenant, r: PersonalizeResource<object>, limit?: ResourceLimit): Promise<InsertOutcome> {
    return this.db.transaction(tenantLockKey(TABLE, t), async (tx) => {
      if (await tx.get(`SELECT 1 AS x FROM ${TABLE} WHERE ${KEY}`, [t.accountId, t.region, r.arn])) return "exists";
      if (limit) {
        const scope = limit.perParent ? " AND parent_arn = ?" : "";
        const params = [t.accountId, t.region, r.kind, ...(limit.perParent ? [r.parentArn ?? ""] : [])];
        const n = await tx.get<{ n: number | string }>(
          `SELECT COUNT(*) AS n FROM ${TABLE} WHERE account_id = ? AND region = ? AND kind = ?${scope}`,
          params,
        );
        if (Number(n?.n ?? 0) >= limit.max) return "limit";
      }
      await tx.run(
        `INSERT INTO ${TABLE} (account_id, region, kind, arn, name, parent_arn, ref_arn, status, doc, lease_until, attempts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
        [t.accountId, t.region, r.kind, r.arn, r.name, r.parentArn ?? null, r.refArn ?? null, r.status, JSON.stringify(r.doc)],
      );
      return "inserted";
    });
  }

  async get<D extends object>(t: Tenant, arn: string): Promise<PersonalizeResource<D> | undefined> {
    const row = await this.db.get<Row>(`SELECT * FROM ${TABLE} WHERE ${KEY}`, [t.accountId, t.region, arn]);
    return row && fromRow<D>(row);
  }

  async list<D extends object>(t: Tenant, kind: PersonalizeKind, parentArn: string | undefined, after: number, limit: number) {
    const scope = parentArn === undefined ? "" : " AND parent_arn = ?";
    const rows = await this.db.all<Row>(
      `SELECT * FROM ${TABLE} WHERE account_id = ? AND region = ? AND kind = ?${scope} AND seq > ? ORDER BY seq LIMIT ?`,
      [t.accountId, t.region, kind, ...(parentArn === undefined ? [] : [parentArn]), after, limit + 1],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map((r) => fromRow<D>(r)), after: more ? Number(page[page.length - 1].seq) : undefined };
  }

  async update(t: Tenant, arn: string, status: string, doc: object): Promise<boolean> {
    const r = await this.db.run(`UPDATE ${TABLE} SET status = ?, doc = ? WHERE ${KEY}`, [
      status,
      JSON.stringify(doc),
      t.accountId,
      t.region,
      arn,
    ]);
    return r.changes > 0;
  }

  delete(t: Tenant, arn: string, cascade: PersonalizeKind[] = []) {
    // Under the tenant's lock, as inserts are: no child can be created between the check and the delete.
    return this.db.transaction(tenantLockKey(TABLE, t), async (tx) => {
      const kinds = cascade.length === 0 ? "''" : cascade.map(() => "?").join(", ");
      const tenant = "account_id = ? AND region = ?";
      const user = await tx.get<{ arn: string }>(
        `SELECT arn FROM ${TABLE} WHERE ${tenant} AND (
           (parent_arn = ? AND (kind NOT IN (${kinds}) OR status IN ('CREATE PENDING', 'CREATE IN_PROGRESS')))
           OR ref_arn = ?
           OR ref_arn IN (SELECT arn FROM ${TABLE} WHERE ${tenant} AND parent_arn = ? AND kind IN (${kinds})))
         ORDER BY seq LIMIT 1`,
        [t.accountId, t.region, arn, ...cascade, arn, t.accountId, t.region, arn, ...cascade],
      );
      if (user) return { outcome: "in-use" as const, by: user.arn };
      if (cascade.length > 0)
        await tx.run(`DELETE FROM ${TABLE} WHERE ${tenant} AND parent_arn = ? AND kind IN (${kinds})`, [
          t.accountId,
          t.region,
          arn,
          ...cascade,
        ]);
      const r = await tx.run(`DELETE FROM ${TABLE} WHERE ${KEY}`, [t.accountId, t.region, arn]);
      return { outcome: r.changes > 0 ? ("deleted" as const) : ("missing" as const) };
    });
  }

  claimJob(kinds: PersonalizeKind[], owner: string, now: number, leaseUntil: number): Promise<ClaimedJob | undefined> {
    return this.db.transaction(`${TABLE}:claim`, async (tx) => {
      const lock = this.db.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
      const row = await tx.get<Row>(
        `SELECT * FROM ${TABLE} WHERE kind IN (${kinds.map(() => "?").join(", ")})
           AND status IN ('CREATE PENDING', 'CREATE IN_PROGRESS') AND lease_until <= ?
         ORDER BY seq LIMIT 1${lock}`,
        [...kinds, now],
      );
      if (!row) return undefined;
      await tx.run(
        `UPDATE ${TABLE} SET status = 'CREATE IN_PROGRESS', lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE ${KEY}`,
        [owner, leaseUntil, row.account_id, row.region, row.arn],
      );
      return {
        tenant: { accountId: row.account_id, region: row.region },
        resource: { ...fromRow(row), status: "CREATE IN_PROGRESS" },
        attempts: Number(row.attempts) + 1,
      };
    });
  }

  async renewJob(t: Tenant, arn: string, owner: string, leaseUntil: number): Promise<boolean> {
    const r = await this.db.run(`UPDATE ${TABLE} SET lease_until = ? WHERE ${KEY} AND lease_owner = ? AND status = 'CREATE IN_PROGRESS'`, [
      leaseUntil,
      t.accountId,
      t.region,
      arn,
      owner,
    ]);
    return r.changes > 0;
  }

  async finishJob(t: Tenant, arn: string, owner: string, status: string, doc: object): Promise<boolean> {
    const r = await this.db.run(
      `UPDATE ${TABLE} SET status = ?, doc = ?, lease_owner = NULL, lease_until = 0 WHERE ${KEY} AND lease_owner = ? AND status = 'CREATE IN_PROGRESS'`,
      [status, JSON.stringify(doc), t.accountId, t.region, arn, owner],
    );
    return r.changes > 0;
  }
}
