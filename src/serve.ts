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
import { HealthMonitor } from "./observability/health.js";
import { TransformerRouter, type TransformerBackend } from "./messaging/transformer/index.js";
import { Delivery, type DeliveryOptions } from "./messaging/delivery/index.js";
import { createMessaging, type MessagingOptions } from "./messaging/index.js";
import { previewRoute } from "./pinpoint/preview.js";
import { buildApp } from "./server/app.js";
import type { MetricsMode } from "./server/pinrec-routes.js";
import type { ServiceModel } from "./protocol/model.js";
import { ensureGeneratedCredentials, loadCredentialsFile, type Credential } from "./server/credentials.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/types.js";

export interface ServerOptions extends MessagingOptions {
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
  /** Accept any well-formed region in request signatures, not only AWS's published Regions (default false). */
  allowAnyRegion?: boolean;
  recommenderQuota?: number;
  /** Apps (projects) per account and region. */
  appQuota?: number;
  /** The directory CreateImportJob's file:// URLs may name (default: `imports` in the data dir). */
  importDir?: string;
  /** How often to look for new, retrained or deleted campaigns and other servers' events (ms; 0 = never). */
  campaignPollMs?: number;
  /** Users with real-time (PutEvents) fold-ins kept in memory, across campaigns; default DEFAULT_MAX_FOLDED_USERS. */
  maxFoldedUsers?: number;
  /** `GET /metrics`: unsigned (`on`, the default), SigV4-signed (`signed`) or not served (`off`). */
  metrics?: MetricsMode;
  /** Where local transformer functions live (default: `functions` in the data dir). */
  functionsDir?: string;
  /** AWS Lambda API endpoint for transformers; setting it makes `auto` the default backend. */
  lambdaEndpoint?: string;
  /** Amazon Personalize runtime endpoint for campaign ARNs this pinrec does not serve (default: AWS's). */
  personalizeEndpoint?: string;
  /** Assume each configuration's RecommendationProviderRoleArn through STS before calling Personalize. */
  assumeProviderRole?: boolean;
  /** STS endpoint for `assumeProviderRole` (default: AWS's). */
  stsEndpoint?: string;
  /** Which backend runs `RecommendationTransformerUri` functions (default `local`, see messaging/transformer). */
  transformer?: TransformerBackend;
  /** Worker threads for local functions, and each one's heap limit in MB. */
  functionWorkers?: number;
  functionMemoryMb?: number;
  /** How long a transformer may run per attempt (ms; default Pinpoint's 15 s). */
  functionTimeoutMs?: number;
  /** Email goes out through this SMTP server (`smtp://[user:pass@]host:port`, `smtps://…`); else it stays in the outbox. */
  smtpUrl?: string;
  /** SMS and push are POSTed here as signed JSON; else they stay in the outbox. */
  webhookUrl?: string;
  /** The webhook's HMAC-SHA256 signing secret (required with `webhookUrl`). */
  webhookSecret?: string;
  /** How long a claimed message waits for a sender that stopped answering before another takes it (ms). */
  deliveryLeaseMs?: number;
  /** Attempts before a transiently failing message is recorded as failed. */
  deliveryAttempts?: number;
  /** Further drainer tuning (backoff, concurrency, timeouts), mostly for tests. */
  delivery?: Omit<DeliveryOptions, "smtpUrl" | "webhookUrl" | "webhookSecret">;
  /** How long a shutdown waits for sends in flight (ms, default 10 s). */
  deliveryShutdownMs?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  campaigns: CampaignRegistry;
  /** The outbox and its drainer; `delivery.sender` is the pipeline's `MessageSender`. */
  delivery: Delivery;
  health: HealthMonitor;
  /** The AWS APIs served, with every operation of their SDK models marked implemented or not. */
  models: ServiceModel[];
  /** Runs recommendation transformers (local functions or AWS Lambda); closed with the server. */
  transformers: TransformerRouter;
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
  const transformers = new TransformerRouter({
    backend: opts.transformer,
    functionsDir: opts.functionsDir ?? join(dataDir, "functions"),
    lambdaEndpoint: opts.lambdaEndpoint,
    workers: opts.functionWorkers,
    memoryMb: opts.functionMemoryMb,
    timeoutMs: opts.functionTimeoutMs,
  });
  try {
    const campaigns = new CampaignRegistry(store, opts.campaignPollMs ?? 1000, undefined, opts.maxFoldedUsers);
    const recommenders = new RecommenderService(store, opts.recommenderQuota ?? DEFAULT_RECOMMENDER_QUOTA);
    const health = new HealthMonitor(store, campaigns);
    const endpoints = new EndpointService(store);
    const segments = new SegmentService(store);
    const importJobs = new ImportJobService(store, new SegmentImporter(store, endpoints), resolve(opts.importDir ?? join(dataDir, "imports")));
    const delivery = new Delivery(store.outbox, {
      leaseMs: opts.deliveryLeaseMs,
      maxAttempts: opts.deliveryAttempts,
      ...opts.delivery,
      smtpUrl: opts.smtpUrl,
      webhookUrl: opts.webhookUrl,
      webhookSecret: opts.webhookSecret,
    });
    const templates = new TemplateService(store, recommenders);
    const messaging = createMessaging({ store, campaigns, recommenders, templates, transformer: transformers, sender: delivery.sender }, {
      personalize: opts.personalize ?? { endpoint: opts.personalizeEndpoint, assumeRole: opts.assumeProviderRole === true, stsEndpoint: opts.stsEndpoint },
    });
    const services = [
      pinpointModule({
        recommenders,
        apps: new AppService(store, opts.appQuota ?? DEFAULT_APP_QUOTA),
        endpoints,
        templates,
        messages: messaging.service,
        segments,
        channels: new ChannelService(store),
        importJobs,
      }),
      ...personalizeModules(store, campaigns),
    ];
    const app = buildApp({
      services,
      extensions: [previewRoute(messaging.service)],
      credentials,
      logger: opts.logger,
      rateLimit: opts.rateLimit,
      pinrec: { health, metrics: opts.metrics },
      outbox: delivery.outbox,
      allowAnyRegion: opts.allowAnyRegion,
    });
    campaigns.log = app.log;
    delivery.drainer.log = app.log;
    for (const notice of store.notices) app.log.warn({ dataDir }, notice);
    transformers.logFunctionsTo((entry) => app.log[entry.level]({ function: entry.functionName, awsRequestId: entry.awsRequestId }, entry.message));
    importJobs.log = app.log;
    campaigns.start();
    await app.listen({ host: opts.host ?? DEFAULT_HOST, port: opts.port ?? DEFAULT_PORT });
    delivery.start();
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : (opts.port ?? DEFAULT_PORT);
    const host = opts.host ?? DEFAULT_HOST;
    let closed: Promise<void> | undefined;
    return {
      app,
      store,
      campaigns,
      health,
      models: services.map((s) => s.model),
      transformers,
      delivery,
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
          await delivery.stop(opts.deliveryShutdownMs);
          await messaging.close();
          await importJobs.idle();
          await campaigns.stop();
          await transformers.close();
          await store.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    await transformers.close();
    await store.close();
    throw err;
  }
}
