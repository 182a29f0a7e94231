import { join } from "node:path";
import { FileModelBlobStore, SqlCampaignRepository, SqlModelBlobStore } from "./campaigns.js";
import { SqlAppRepository } from "./apps.js";
import { SqlEndpointRepository } from "./endpoints.js";
import { migrations } from "./migrations.js";
import { SqlOutboxRepository } from "./outbox.js";
import { PostgresDb } from "./postgres.js";
import { SqlRecommenderRepository } from "./recommenders.js";
import { instrumentDb } from "./instrumented.js";
import type { SqlDb } from "./sql.js";
import { SqliteDb } from "./sqlite.js";
import { SqlTemplateRepository } from "./templates.js";
import { SqlSegmentRepository } from "./segments.js";
import { SqlChannelRepository } from "./channels.js";
import { SqlImportJobRepository } from "./import-jobs.js";
import { SqlCampaignRunRepository } from "./campaign-runs.js";
import { backfillFacts } from "./endpoint-facts.js";
import type { Store } from "./types.js";
import { securePrivateTree } from "./files.js";

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

export const isPostgres = (database: string | undefined): database is string => database !== undefined && /^postgres(ql)?:\/\//.test(database);

function sqlitePath(opts: StoreOptions): string {
  const db = opts.database;
  if (!db) return join(opts.dataDir, "pinrec.db");
  return db.startsWith("sqlite:") ? db.slice("sqlite:".length) : db;
}

/** Opens the configured database and brings its schema up to date before anything is served. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  // Files an older pinrec (or another tool) left readable by others are tightened before use.
  const notices = securePrivateTree(opts.dataDir);
  let db: SqlDb;
  if (isPostgres(opts.database)) {
    const pgDb = new PostgresDb(opts.database, { schema: opts.schema });
    try {
      await pgDb.migrate(migrations);
    } catch (err) {
      await pgDb.close();
      throw err;
    }
    db = pgDb;
  } else {
    const sqlite = new SqliteDb(sqlitePath(opts));
    notices.push(...sqlite.notes.filter((n) => !notices.includes(n)));
    sqlite.migrate(migrations);
    db = sqlite;
  }
  // Endpoints stored before segments existed get their indexed facts (a no-op once done).
  await backfillFacts(db);
  const dialect = db.dialect;
  db = instrumentDb(db);
  return {
    kind: dialect,
    recommenders: new SqlRecommenderRepository(db),
    apps: new SqlAppRepository(db),
    endpoints: new SqlEndpointRepository(db),
    templates: new SqlTemplateRepository(db),
    segments: new SqlSegmentRepository(db),
    channels: new SqlChannelRepository(db),
    importJobs: new SqlImportJobRepository(db),
    campaigns: new SqlCampaignRepository(db),
    campaignRuns: new SqlCampaignRunRepository(db),
    // Every node of a PostgreSQL deployment must read the same models; SQLite keeps them beside it.
    models: dialect === "postgres" ? new SqlModelBlobStore(db) : new FileModelBlobStore(join(opts.dataDir, "models")),
    notices,
    ping: async () => {
      await db.get("SELECT 1");
    },
    outbox: new SqlOutboxRepository(db),
    close: () => db.close(),
  };
}
