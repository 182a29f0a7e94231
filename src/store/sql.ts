/**
 * The one SQL surface both adapters implement. Repositories are written once against it with `?`
 * placeholders; the PostgreSQL adapter renumbers them. Keeping a single implementation of every
 * query is what lets one contract suite vouch for both databases.
 */
export interface SqlExecutor {
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  run(sql: string, params?: unknown[]): Promise<{ changes: number }>;
}

export interface SqlDb extends SqlExecutor {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `fn` in one transaction. `lockKey` serialises transactions that share it across every
   * process on the database (a PostgreSQL advisory lock; SQLite serialises all writers anyway),
   * which is how read-check-write sequences such as quota checks stay exact under concurrency.
   */
  transaction<T>(lockKey: string | null, fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/**
 * Turns `limit + 1` rows read in `seq` order into a page: the extra row only says that more exist,
 * and the last returned row's `seq` is where the next page starts.
 */
export function pageOfDocs<T>(rows: { seq: number | string; doc: string }[], limit: number): { items: T[]; after?: number } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { items: page.map((r) => JSON.parse(r.doc) as T), after: more ? Number(page[page.length - 1].seq) : undefined };
}

/**
 * The lock key that serialises one tenant's read-check-write sequences on a table (quota checks,
 * per-name upserts); `name` narrows it to one resource.
 */
export function tenantLockKey(table: string, t: { accountId: string; region: string }, name?: string): string {
  return `${table}:${t.accountId}:${t.region}${name === undefined ? "" : `:${name}`}`;
}

/** The WHERE condition that scopes a row to one app of one tenant: bind account id, region, app id. */
export const APP_SCOPE = "account_id = ? AND region = ? AND app_id = ?";

/** `?, ?, …` for an `IN (…)` list of `n` values. */
export const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/** Splits a list so each statement stays well under both databases' parameter limits. */
export function chunks<T>(items: T[], size = 100): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
