import { join } from "node:path";
import { SqlPersonalizeCampaignRepository } from "./personalize-campaigns.js";
import { FileModelBlobStore, SqlModelBlobStore } from "./model-blobs.js";
import { SqlAppRepository } from "./apps.js";
import { SqlEndpointRepository } from "./endpoints.js";
import { migrations } from "./migrations.js";
import { SqlOutboxRepository } from "./outbox.js";
import { SqlRecommenderRepository } from "./recommenders.js";
import { instrumentDb, type QueryTimers } from "./instrumented.js";
import type { SqlDb } from "./sql.js";
import { SqlTemplateRepository } from "./templates.js";
import { SqlSegmentRepository } from "./segments.js";
import { SqlChannelRepository } from "./channels.js";
import { SqlImportJobRepository } from "./import-jobs.js";
import { SqlPinpointCampaignRepository } from "./pinpoint-campaigns.js";
import { SqlPinpointCampaignRunRepository } from "./pinpoint-campaign-runs.js";
import { backfillFacts } from "./endpoint-facts.js";
import { SqlEngagementEventStore } from "./engagement-events.js";
import { SqlEventStreamRepository } from "./event-streams.js";
import { SqlJourneyRepository } from "./journeys.js";
import { SqlJourneyParticipantRepository } from "./journey-participants.js";
import { SqlPersonalizeResourceRepository } from "./personalize-resources.js";
import type { Store } from "./types.js";
import { securePrivateTree } from "./files.js";
import { isPostgres, sqlitePath, type StoreOptions } from "./location.js";

export { describeDatabase, isPostgres, sqliteFile, type StoreOptions } from "./location.js";
export type { QueryTimers } from "./instrumented.js";

/**
 * Opens the configured database and brings its schema up to date before anything is served. With
 * `queryTimers`, every statement and transaction is timed by them.
 */
export async function openStore(opts: StoreOptions, observe: { queryTimers?: QueryTimers } = {}): Promise<Store> {
  // Files an older pinrec (or another tool) left readable by others are tightened before use.
  const notices = securePrivateTree(opts.dataDir);
  let db: SqlDb;
  if (isPostgres(opts.database)) {
    // Each adapter (and its driver) is loaded only when configured: a SQLite server never loads pg.
    const { PostgresDb } = await import("./postgres.js");
    const pgDb = new PostgresDb(opts.database, { schema: opts.schema });
    try {
      await pgDb.migrate(migrations);
    } catch (err) {
      await pgDb.close();
      throw err;
    }
    db = pgDb;
  } else {
    const { SqliteDb } = await import("./sqlite.js");
    const sqlite = new SqliteDb(sqlitePath(opts));
    notices.push(...sqlite.notes.filter((n) => !notices.includes(n)));
    sqlite.migrate(migrations);
    db = sqlite;
  }
  // Endpoints stored before segments existed get their indexed facts (a no-op once done).
  await backfillFacts(db);
  const dialect = db.dialect;
  if (observe.queryTimers) db = instrumentDb(db, observe.queryTimers);
  return {
    kind: dialect,
    recommenders: new SqlRecommenderRepository(db),
    apps: new SqlAppRepository(db),
    endpoints: new SqlEndpointRepository(db),
    templates: new SqlTemplateRepository(db),
    segments: new SqlSegmentRepository(db),
    channels: new SqlChannelRepository(db),
    importJobs: new SqlImportJobRepository(db),
    personalizeCampaigns: new SqlPersonalizeCampaignRepository(db),
    pinpointCampaigns: new SqlPinpointCampaignRepository(db),
    pinpointCampaignRuns: new SqlPinpointCampaignRunRepository(db),
    // Every node of a PostgreSQL deployment must read the same models; SQLite keeps them beside it.
    models: dialect === "postgres" ? new SqlModelBlobStore(db) : new FileModelBlobStore(join(opts.dataDir, "models")),
    notices,
    ping: async () => {
      await db.get("SELECT 1");
    },
    outbox: new SqlOutboxRepository(db),
    engagement: new SqlEngagementEventStore(db),
    eventStreams: new SqlEventStreamRepository(db),
    journeys: new SqlJourneyRepository(db),
    journeyParticipants: new SqlJourneyParticipantRepository(db),
    personalizeResources: new SqlPersonalizeResourceRepository(db),
    close: () => db.close(),
  };
}
