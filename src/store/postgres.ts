import pg from "pg";
import type { Migration, SqlDb, SqlExecutor } from "./sql.js";

/** `?` placeholders → `$1…$n`. Queries never contain a literal `?`, which keeps this exact. */
const numbered = new Map<string, string>();
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    numbered.set(sql, out);
  }
  return out;
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    all: async <T>(sql: string, params: unknown[] = []) => (await client.query(toPg(sql), params)).rows as T[],
    get: async <T>(sql: string, params: unknown[] = []) => (await client.query(toPg(sql), params)).rows[0] as T | undefined,
    run: async (sql: string, params: unknown[] = []) => ({ changes: (await client.query(toPg(sql), params)).rowCount ?? 0 }),
  };
}

/**
 * PostgreSQL through a `pg` pool, for several pinrec processes sharing one database. Migrations and
 * keyed transactions take advisory locks, so processes starting or writing together stay exact.
 */
export class PostgresDb implements SqlDb {
  readonly dialect = "postgres" as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;

  constructor(connectionString: string, options: { schema?: string; max?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.max ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // An idle client's network error must not crash the process; the next query reports it.
    this.pool.on("error", () => {});
    this.direct = executor(this.pool);
  }

  all<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }
  run(sql: string, params?: unknown[]): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }

  /**
   * A client out of the pool for a transaction or the migrations. `pg` emits a lost connection
   * (a network partition, a restarted server) as an `error` event on the client; the pool listens
   * only to idle clients, so without a listener here the event would be an uncaught exception that
   * ends the process. The query in flight rejects with the same error, so the caller still sees it,
   * and the broken client is destroyed on release instead of going back to the pool.
   */
  private async checkOut(): Promise<{ client: pg.PoolClient; release: () => void }> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
    };
    client.on("error", onError);
    return {
      client,
      release: () => {
        client.off("error", onError);
        client.release(lost);
      },
    };
  }

  async transaction<T>(lockKey: string | null, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const { client, release } = await this.checkOut();
    try {
      await client.query("BEGIN");
      if (lockKey !== null) await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockKey]);
      const result = await fn(executor(client));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      release();
    }
  }

  async migrate(migrations: Migration[]): Promise<void> {
    const { client, release } = await this.checkOut();
    try {
      await client.query("SELECT pg_advisory_lock(hashtext('pinrec:migrations'))");
      try {
        await client.query(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        );
        const applied = new Set((await client.query("SELECT version FROM schema_migrations")).rows.map((r) => Number(r.version)));
        for (const m of migrations) {
          if (applied.has(m.version)) continue;
          await client.query("BEGIN");
          try {
            await client.query(m.postgres);
            await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
              m.version,
              m.name,
              new Date().toISOString(),
            ]);
            await client.query("COMMIT");
          } catch (err) {
            await client.query("ROLLBACK").catch(() => {});
            throw err;
          }
        }
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext('pinrec:migrations'))");
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
