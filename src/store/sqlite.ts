import Database from "better-sqlite3";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, securePrivateFile } from "./files.js";
import type { Migration, SqlDb, SqlExecutor } from "./sql.js";

/** The database file cannot be used as it is; pinrec refuses to start on it rather than serve from it. */
export class DatabaseDamagedError extends Error {}

/**
 * SQLite through better-sqlite3: synchronous calls on one connection, in WAL mode with
 * `synchronous=FULL` so a write is on disk before its 2xx is sent.
 *
 * Because transactions may `await`, other requests' statements would otherwise run inside an open
 * transaction on the shared connection; a simple queue keeps them outside until it ends.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private busy: Promise<void> | null = null;
  /** Permission changes made on open, for the caller to log. */
  readonly notes: string[] = [];

  constructor(readonly file: string) {
    if (file !== ":memory:") {
      // A directory pinrec creates is private; an existing one (e.g. `sqlite:/srv/x.db`) is the user's.
      mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      // SQLite creates -wal and -shm with the database file's mode, so creating it 0600 covers all three.
      if (!existsSync(file)) closeSync(openSync(file, "a", PRIVATE_FILE_MODE));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        const note = securePrivateFile(f);
        if (note) this.notes.push(note);
      }
    }
    try {
      this.db = new Database(file);
    } catch (err) {
      throw withPath(err, file);
    }
    try {
      this.db.pragma("busy_timeout = 5000");
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("foreign_keys = ON");
      this.checkIntegrity();
    } catch (err) {
      this.db.close();
      if (err instanceof DatabaseDamagedError) throw err;
      const code = (err as { code?: string }).code;
      if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") throw damaged(file, (err as Error).message);
      throw withPath(err, file);
    }
  }

  /**
   * `PRAGMA quick_check` reads every page once (O(size), without the index cross-checks of
   * integrity_check), so a damaged file is refused at start instead of failing requests later.
   */
  private checkIntegrity(): void {
    const rows = this.db.pragma("quick_check(5)") as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
    if (problems.length) throw damaged(this.file, problems.join("; "));
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private readonly direct: SqlExecutor = {
    all: async <T>(sql: string, params: unknown[] = []) => this.stmt(sql).all(...params) as T[],
    get: async <T>(sql: string, params: unknown[] = []) => this.stmt(sql).get(...params) as T | undefined,
    run: async (sql: string, params: unknown[] = []) => ({ changes: this.stmt(sql).run(...params).changes }),
  };

  // Outside a transaction the statement runs at once and its result is wrapped in one settled
  // promise: an `async` method awaiting another `async` function costs the hot read path several
  // microtask turns for work that is synchronous.
  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.busy) return this.afterTransaction(() => this.direct.all<T>(sql, params));
    return settle(() => this.stmt(sql).all(...params) as T[]);
  }

  get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    if (this.busy) return this.afterTransaction(() => this.direct.get<T>(sql, params));
    return settle(() => this.stmt(sql).get(...params) as T | undefined);
  }

  run(sql: string, params: unknown[] = []): Promise<{ changes: number }> {
    if (this.busy) return this.afterTransaction(() => this.direct.run(sql, params));
    return settle(() => ({ changes: this.stmt(sql).run(...params).changes }));
  }

  /** Runs `fn` once no transaction holds the connection. */
  private async afterTransaction<T>(fn: () => Promise<T>): Promise<T> {
    while (this.busy) await this.busy;
    return fn();
  }

  async transaction<T>(_lockKey: string | null, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    while (this.busy) await this.busy;
    let release!: () => void;
    this.busy = new Promise<void>((r) => (release = r));
    try {
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(this.direct);
        this.db.exec("COMMIT");
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw err;
      }
    } finally {
      this.busy = null;
      release();
    }
  }

  migrate(migrations: Migration[]): void {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    );
    const isApplied = this.db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
    for (const m of migrations) {
      // IMMEDIATE takes the write lock before reading, so two processes opening a new database at
      // once apply each migration once: the second waits, then finds it applied.
      this.db
        .transaction(() => {
          if (isApplied.get(m.version) !== undefined) return;
          this.db.exec(m.sqlite);
          this.db
            .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .run(m.version, m.name, new Date().toISOString());
        })
        .immediate();
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** A synchronous call's result or error as a settled promise, as an `async` function would give. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

function damaged(file: string, detail: string): DatabaseDamagedError {
  return new DatabaseDamagedError(
    `the SQLite database ${file} is damaged (${detail}); pinrec will not start on it. Restore it from a backup, or move it (and its -wal and -shm files) aside to start empty.`,
  );
}

/** SQLite's errors name no file; the one being opened is what a person needs to know. */
function withPath(err: unknown, file: string): unknown {
  if (err && typeof err === "object" && !("path" in err)) Object.assign(err, { path: file });
  return err;
}
