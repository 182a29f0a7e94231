/**
 * Assembles a running pinrec: store → domain services → API modules → HTTP server. Used by the CLI
 * and, in-process, by the tests, so both run exactly the same wiring.
 */
import type { FastifyInstance } from "fastify";
import { resolve } from "node:path";
import type { CampaignRegistry } from "../personalize/campaigns/registry.js";
import type { Delivery } from "../pinpoint/messaging/delivery/index.js";
import type { TransformerRouter } from "../pinpoint/messaging/transformer/index.js";
import type { EngagementService } from "../pinpoint/engagement/service.js";
import { createServices, type Services } from "../services.js";
import { serviceParts, type ServiceSettings } from "./service-settings.js";
import { personalizeModules } from "../personalize/api/index.js";
import { pinpointModule } from "../pinpoint/api/index.js";
import { HealthMonitor } from "./health.js";
import { previewRoute } from "../pinpoint/api/preview.js";
import { segmentSizeRoute } from "../pinpoint/api/segment-size.js";
import { buildApp } from "./app.js";
import type { MetricsMode } from "./pinrec-routes.js";
import type { ServiceModel } from "../protocol/model.js";
import type { Credential } from "./credentials.js";
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, resolveCredentials } from "./serve-setup.js";
import { createLogger, type LoggerSetting } from "./logger.js";
import { openStore } from "../store/open.js";
import { storeQueryTimer } from "../observability/metrics.js";
import type { Store } from "../store/types.js";

export interface ServerOptions extends ServiceSettings {
  host?: string;
  port?: number;
  dataDir?: string;
  credentialsFile?: string;
  credentials?: Credential[];
  database?: string;
  databaseSchema?: string;
  logger?: LoggerSetting;
  rateLimit?: number;
  allowAnyRegion?: boolean;
  metrics?: MetricsMode;
  /** Serve the web console at `/_pinrec/console/` (default true). */
  console?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  personalizeCampaigns: CampaignRegistry;
  /** The outbox and its drainer; `delivery.sender` is the pipeline's `MessageSender`. */
  delivery: Delivery;
  health: HealthMonitor;
  /** The AWS APIs served, with every operation of their SDK models marked implemented or not. */
  models: ServiceModel[];
  /** Runs recommendation transformers (local functions or AWS Lambda); closed with the server. */
  transformers: TransformerRouter;
  /** Engagement events and email tracking (tests wait on `settled()` for tracked clicks and opens). */
  engagement: EngagementService;
  url: string;
  port: number;
  credentials: Credential[];
  /** True when this start generated the data dir's key pair. */
  generatedCredentials?: string;
  close(): Promise<void>;
}

export { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, resolveCredentials } from "./serve-setup.js";

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const { credentials, generatedPath } = resolveCredentials(opts, dataDir);
  const log = createLogger(opts.logger);
  const store = await openStore({ database: opts.database, dataDir, schema: opts.databaseSchema }, { queryTimers: storeQueryTimer });
  for (const notice of store.notices) log.warn({ dataDir }, notice);
  let services: Services | undefined;
  try {
    services = createServices(store, dataDir, { ...serviceParts(opts), log });
    const { personalizeCampaigns: campaigns, delivery, messaging, transformers } = services;
    const health = new HealthMonitor(store, campaigns);
    const modules = [
      pinpointModule({ ...services, messages: messaging.service }),
      ...personalizeModules(store, campaigns, services.personalizeControl),
    ];
    const app = buildApp({
      services: modules,
      extensions: [previewRoute(messaging.service), segmentSizeRoute(services.segments)],
      credentials,
      logger: log,
      rateLimit: opts.rateLimit,
      pinrec: { health, metrics: opts.metrics },
      outbox: delivery.outbox,
      allowAnyRegion: opts.allowAnyRegion,
      console: opts.console === false ? undefined : {},
      tracking: {
        engagement: services.engagement,
        ratePerSecond: opts.trackingRateLimit,
        optOut: async (m) => {
          if (m.endpointId !== undefined)
            await services!.endpoints.update(m.tenant, m.appId, m.endpointId, { OptOut: "ALL" }, `unsubscribe:${m.messageId}`);
        },
      },
    });
    services.start();
    await app.listen({ host: opts.host ?? DEFAULT_HOST, port: opts.port ?? DEFAULT_PORT });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : (opts.port ?? DEFAULT_PORT);
    const host = opts.host ?? DEFAULT_HOST;
    const running = services;
    running.engagement.setDefaultBaseUrl(`http://${host.includes(":") ? `[${host}]` : host}:${port}`);
    let closed: Promise<void> | undefined;
    return {
      app,
      store,
      personalizeCampaigns: campaigns,
      health,
      models: modules.map((s) => s.model),
      transformers,
      engagement: running.engagement,
      delivery: delivery,
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
          await running.close();
          await store.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    await services?.close();
    await store.close();
    throw err;
  }
}
