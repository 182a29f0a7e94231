/**
 * The composition root of pinrec's domain: every service wired to one store, the same way for the
 * server and for the CLI commands that do a server's work in-process (`messages preview`, and the
 * campaign runner, which must send exactly as the server does). HTTP stays outside: `serve.ts`
 * puts these services behind the AWS APIs.
 */
import { join, resolve } from "node:path";
import { CampaignRegistry } from "./personalize/campaigns/registry.js";
import { AppService, DEFAULT_APP_QUOTA } from "./pinpoint/apps/service.js";
import { EndpointService } from "./pinpoint/endpoints/service.js";
import { TemplateService } from "./pinpoint/templates/service.js";
import { SegmentService } from "./pinpoint/segments/service.js";
import { ChannelService } from "./pinpoint/channels/service.js";
import { SegmentImporter } from "./pinpoint/segments/import.js";
import { ImportJobService } from "./pinpoint/segments/import-jobs.js";
import { EventService } from "./pinpoint/events/service.js";
import { S3ImportReader, type S3ImportOptions } from "./pinpoint/segments/s3-import.js";
import type { EventCampaignTrigger } from "./pinpoint/campaigns/contracts.js";
import { PinpointCampaignService } from "./pinpoint/campaigns/service.js";
import { DEFAULT_RECOMMENDER_QUOTA, RecommenderService } from "./pinpoint/recommenders/service.js";
import { TransformerRouter, type TransformerBackend } from "./pinpoint/messaging/transformer/index.js";
import { Delivery, type DeliveryOptions } from "./pinpoint/messaging/delivery/index.js";
import { createMessaging, type Messaging, type MessagingOptions } from "./pinpoint/messaging/index.js";
import type { Logger } from "pino";
import type { Store } from "./store/types.js";
import { CampaignRunnerService } from "./pinpoint/campaigns/runner/index.js";
import { CampaignEventTrigger } from "./pinpoint/campaigns/event-trigger.js";

export interface ServiceOptions extends MessagingOptions {
  /**
   * Where the services report what they do (model loads, failed deliveries, import jobs and
   * campaign runs, local functions' console output): the server's logger. None: they stay silent,
   * and local functions write to this process's stdout and stderr.
   */
  log?: Logger;
  recommenderQuota?: number;
  appQuota?: number;
  importDir?: string;
  /** The S3-compatible server CreateImportJob reads s3:// URLs from; none: s3:// URLs are refused. */
  s3Endpoint?: string;
  /** Credentials for --s3-endpoint; default: the standard AWS provider chain. */
  s3Credentials?: S3ImportOptions["credentials"];
  /** How often served campaigns look for new model versions; 0 never polls (models load on first use). */
  campaignPollMs?: number;
  maxFoldedUsers?: number;
  functionsDir?: string;
  lambdaEndpoint?: string;
  personalizeEndpoint?: string;
  assumeProviderRole?: boolean;
  stsEndpoint?: string;
  transformer?: TransformerBackend;
  functionWorkers?: number;
  functionMemoryMb?: number;
  functionTimeoutMs?: number;
  smtpUrl?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  deliveryLeaseMs?: number;
  deliveryAttempts?: number;
  delivery?: Omit<DeliveryOptions, "smtpUrl" | "webhookUrl" | "webhookSecret">;
  deliveryShutdownMs?: number;
  /** What PutEvents hands accepted events to (the EVENT campaign trigger); none: events fire nothing. */
  eventTrigger?: EventCampaignTrigger;
  /** Whether this process fires due campaign runs and sends their batches (default true). */
  campaignRuns?: boolean;
  campaignRunLeaseMs?: number;
  campaignRunPollMs?: number;
  /**
   * The campaigns' clock (tests): the scheduler, the campaign API (schedule checks, first runs,
   * the derived State) and the EVENT trigger's schedule window all read this one, so a fake clock
   * moved on an hour moves every part together.
   */
  campaignRunClock?: () => number;
}

export interface Services {
  store: Store;
  personalizeCampaigns: CampaignRegistry;
  recommenders: RecommenderService;
  apps: AppService;
  endpoints: EndpointService;
  templates: TemplateService;
  segments: SegmentService;
  channels: ChannelService;
  importJobs: ImportJobService;
  events: EventService;
  /** Pinpoint campaign definitions (CreateCampaign …); the campaign runner reads them as its CampaignSource. */
  pinpointCampaigns: PinpointCampaignService;
  transformers: TransformerRouter;
  /** The outbox and its drainers (which run only once started). */
  delivery: Delivery;
  messaging: Messaging;
  /** Fires due Pinpoint campaign runs and sends their batches (started with the rest when enabled). */
  runner: CampaignRunnerService;
  /** Starts the background work: model polling and the outbox drainers. */
  start(): void;
  /** Stops the background work and releases what the services hold; the store stays open. */
  close(): Promise<void>;
}

/** `dataDir` is where the defaults of `functionsDir` and `importDir` live. */
export function createServices(store: Store, dataDir: string, opts: ServiceOptions = {}): Services {
  const { log } = opts;
  const transformers = new TransformerRouter({
    backend: opts.transformer,
    functionsDir: opts.functionsDir ?? join(dataDir, "functions"),
    lambdaEndpoint: opts.lambdaEndpoint,
    workers: opts.functionWorkers,
    memoryMb: opts.functionMemoryMb,
    timeoutMs: opts.functionTimeoutMs,
    functionLog: log && ((entry) => log[entry.level]({ function: entry.functionName, awsRequestId: entry.awsRequestId }, entry.message)),
  });
  const campaigns = new CampaignRegistry(store, { pollMs: opts.campaignPollMs, maxFoldedUsers: opts.maxFoldedUsers, log });
  const recommenders = new RecommenderService(store, opts.recommenderQuota ?? DEFAULT_RECOMMENDER_QUOTA);
  const endpoints = new EndpointService(store);
  const s3 = opts.s3Endpoint === undefined ? undefined : new S3ImportReader({ endpoint: opts.s3Endpoint, credentials: opts.s3Credentials });
  const importJobs = new ImportJobService(store, new SegmentImporter(store, endpoints), {
    importDir: resolve(opts.importDir ?? join(dataDir, "imports")),
    s3,
    log,
  });
  const delivery = new Delivery(store.outbox, {
    leaseMs: opts.deliveryLeaseMs,
    maxAttempts: opts.deliveryAttempts,
    ...opts.delivery,
    smtpUrl: opts.smtpUrl,
    webhookUrl: opts.webhookUrl,
    webhookSecret: opts.webhookSecret,
    log,
  });
  const templates = new TemplateService(store, recommenders);
  // AWS refuses to delete a segment that a campaign uses; segments learn of campaigns only through
  // this seam, bound here and first called by a DeleteSegment, when pinpointCampaigns exists.
  const segments = new SegmentService(store, { usage: (tenant, appId, segmentId) => pinpointCampaigns.usage(tenant, appId, segmentId) });
  const pinpointCampaigns: PinpointCampaignService = new PinpointCampaignService(store, segments, templates, opts.campaignRunClock);
  const messaging = createMessaging(
    { store, personalizeCampaigns: campaigns, recommenders, templates, transformer: transformers, sender: delivery.sender },
    {
      personalize: opts.personalize ?? {
        endpoint: opts.personalizeEndpoint,
        assumeRole: opts.assumeProviderRole === true,
        stsEndpoint: opts.stsEndpoint,
      },
    },
  );
  const channels = new ChannelService(store);
  const runner = new CampaignRunnerService(
    { store, segments, channels, pipeline: messaging.service.pipeline },
    {
      leaseMs: opts.campaignRunLeaseMs,
      pollMs: opts.campaignRunPollMs,
      now: opts.campaignRunClock,
      onError: log && ((err) => log.error({ err }, "campaign run failed; its batch returns after its lease")),
    },
  );
  return {
    store,
    personalizeCampaigns: campaigns,
    recommenders,
    apps: new AppService(store, opts.appQuota ?? DEFAULT_APP_QUOTA),
    endpoints,
    templates,
    segments,
    channels,
    importJobs,
    events: new EventService(
      store,
      endpoints,
      opts.eventTrigger ?? new CampaignEventTrigger(pinpointCampaigns, runner, opts.campaignRunClock),
    ),
    pinpointCampaigns,
    transformers,
    delivery,
    messaging,
    runner,
    start() {
      campaigns.start();
      delivery.start();
      if (opts.campaignRuns !== false) runner.start();
    },
    async close() {
      // Batches being sent finish first (their messages go to the outbox); the rest wait for the next process.
      await runner.close();
      await delivery.stop(opts.deliveryShutdownMs);
      await messaging.close();
      await importJobs.idle();
      s3?.close();
      await campaigns.stop();
      await transformers.close();
    },
  };
}
