/**
 * Where a configuration keeps its database, worked out without opening it (or loading a driver):
 * what `--print-config`, the start-up log and the CLI's tenant lookup show.
 */
import { join } from "node:path";

export interface StoreOptions {
  /** `postgres://…`/`postgresql://…`, `sqlite:PATH`, a file path, or undefined for the data dir's SQLite file. */
  database?: string;
  dataDir: string;
  /** PostgreSQL schema to use (tests isolate themselves this way). */
  schema?: string;
}

export function describeDatabase(opts: StoreOptions): string {
  const db = opts.database;
  if (isPostgres(db)) return db.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  return sqlitePath(opts);
}

/** The SQLite file a configuration uses, or undefined when it names PostgreSQL. */
export function sqliteFile(opts: StoreOptions): string | undefined {
  return isPostgres(opts.database) ? undefined : sqlitePath(opts);
}

export const isPostgres = (database: string | undefined): database is string =>
  database !== undefined && /^postgres(ql)?:\/\//.test(database);

export function sqlitePath(opts: StoreOptions): string {
  const db = opts.database;
  if (!db) return join(opts.dataDir, "pinrec.db");
  return db.startsWith("sqlite:") ? db.slice("sqlite:".length) : db;
}
