/**
 * Assembles a running pinrec: store → domain services → API modules → HTTP server. Used by the CLI
 * and, in-process, by the tests, so both run exactly the same wiring.
 */
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { LoggerOptions } from "pino";
import { CampaignRegistry } from "./campaigns/registry.js";
import { personalizeModules } from "./personalize/index.js";
import { pinpointModule } from "./pinpoint/index.js";
import { AppService, DEFAULT_APP_QUOTA } from "./apps/service.js";
import { EndpointService } from "./endpoints/service.js";
import { TemplateService } from "./templates/service.js";
import { SegmentService } from "./segments/service.js";
import { ChannelService } from "./channels/service.js";
import { SegmentImporter } from "./segments/import.js";
import { ImportJobService } from "./segments/import-jobs.js";
import { DEFAULT_RECOMMENDER_QUOTA, RecommenderService } from "./recommenders/service.js";
import { buildApp } from "./server/app.js";
import { ensureGeneratedCredentials, loadCredentialsFile, type Credential } from "./server/credentials.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/types.js";

export interface ServerOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  /** Path of a credentials file; without one (and without `credentials`) a key pair is generated in the data dir. */
  credentialsFile?: string;
  credentials?: Credential[];
  database?: string;
  /** PostgreSQL schema (tests isolate themselves this way). */
  databaseSchema?: string;
  logger?: LoggerOptions | false;
  rateLimit?: number;
  recommenderQuota?: number;
  /** Apps (projects) per account and region. */
  appQuota?: number;
  /** The directory CreateImportJob's file:// URLs may name (default: `imports` in the data dir). */
  importDir?: string;
  /** How often to look for new, retrained or deleted campaigns and other servers' events (ms; 0 = never). */
  campaignPollMs?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  campaigns: CampaignRegistry;
  url: string;
  port: number;
  credentials: Credential[];
  /** True when this start generated the data dir's key pair. */
  generatedCredentials?: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4580;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DATA_DIR = ".pinrec";

export function resolveCredentials(opts: ServerOptions, dataDir: string): { credentials: Credential[]; generatedPath?: string } {
  if (opts.credentials) return { credentials: opts.credentials };
  if (opts.credentialsFile) return { credentials: loadCredentialsFile(opts.credentialsFile) };
  const path = join(dataDir, "credentials.json");
  const { credentials, created } = ensureGeneratedCredentials(path);
  return { credentials, generatedPath: created ? path : undefined };
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const { credentials, generatedPath } = resolveCredentials(opts, dataDir);
  const store = await openStore({ database: opts.database, dataDir, schema: opts.databaseSchema });
  try {
    const campaigns = new CampaignRegistry(store, opts.campaignPollMs ?? 1000);
    const recommenders = new RecommenderService(store, opts.recommenderQuota ?? DEFAULT_RECOMMENDER_QUOTA);
    const endpoints = new EndpointService(store);
    const segments = new SegmentService(store);
    const importJobs = new ImportJobService(store, new SegmentImporter(store, endpoints), resolve(opts.importDir ?? join(dataDir, "imports")));
    const app = buildApp({
      services: [
        pinpointModule({
          recommenders,
          apps: new AppService(store, opts.appQuota ?? DEFAULT_APP_QUOTA),
          endpoints,
          templates: new TemplateService(store, recommenders),
          segments,
          channels: new ChannelService(store),
          importJobs,
        }),
        ...personalizeModules(store, campaigns),
      ],
      credentials,
      logger: opts.logger,
      rateLimit: opts.rateLimit,
    });
    campaigns.log = app.log;
    importJobs.log = app.log;
    campaigns.start();
    await app.listen({ host: opts.host ?? DEFAULT_HOST, port: opts.port ?? DEFAULT_PORT });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : (opts.port ?? DEFAULT_PORT);
    const host = opts.host ?? DEFAULT_HOST;
    let closed: Promise<void> | undefined;
    return {
      app,
      store,
      campaigns,
      port,
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      credentials,
      generatedCredentials: generatedPath,
      close() {
        // In-flight requests finish; new ones are refused; then the database closes.
        // A kept-alive connection whose request was still running when close began becomes idle
        // only afterwards; close those as they go idle instead of waiting for keep-alive timeouts.
        closed ??= (async () => {
          const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
          try {
            await app.close();
          } finally {
            clearInterval(sweep);
          }
          await importJobs.idle();
          await campaigns.stop();
          await store.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
