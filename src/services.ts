/**
 * The composition root of pinrec's domain: every service wired to one store, the same way for the
 * server and for the CLI commands that do a server's work in-process (`messages preview`, and the
 * campaign runner, which must send exactly as the server does). HTTP stays outside: `serve.ts`
 * puts these services behind the AWS APIs.
 */
import { join, resolve } from "node:path";
import { CampaignRegistry, type CampaignRegistryOptions } from "./personalize/campaigns/registry.js";
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
import { PinpointCampaignService, campaignSegmentUsage } from "./pinpoint/campaigns/service.js";
import { DEFAULT_RECOMMENDER_QUOTA, RecommenderService } from "./pinpoint/recommenders/service.js";
import { TransformerRouter, type TransformerOptions } from "./pinpoint/messaging/transformer/index.js";
import { Delivery, type DeliveryOptions } from "./pinpoint/messaging/delivery/index.js";
import { createMessaging, type Messaging } from "./pinpoint/messaging/index.js";
import { PersonalizeRecommendationProvider, type PersonalizeProviderOptions } from "./pinpoint/messaging/recommendations/personalize.js";
import type { Logger } from "pino";
import type { Store } from "./store/types.js";
import type { SenderPolicy } from "./shared/senders.js";
import { CampaignRunnerService, type RunnerOptions } from "./pinpoint/campaigns/runner/index.js";
import { CampaignEventTrigger } from "./pinpoint/campaigns/event-trigger.js";
import { EngagementService, type EngagementOptions } from "./pinpoint/engagement/service.js";
import { ServedModelFeedback } from "./pinpoint/engagement/feedback.js";
import { KpiService } from "./pinpoint/engagement/kpis.js";
import { EventStreamService, type EventStreamOptions } from "./pinpoint/engagement/event-streams.js";
import { JourneyService, journeySegmentUsage } from "./pinpoint/journeys/service.js";
import { JourneyExecutor } from "./pinpoint/journeys/executor/index.js";
import { JourneyMetricsService } from "./pinpoint/journeys/metrics.js";
import { DataSources } from "./personalize/control/data-source.js";
import { PersonalizeJobRunner, type JobRunnerOptions } from "./personalize/control/jobs.js";
import { PersonalizeControl } from "./personalize/control/service.js";

/**
 * What each part of the domain is configured with, one group per part. The server's flat settings
 * (`pinrec serve` flags, see src/server/service-settings.ts) are sorted into these groups once.
 */
export interface ServiceParts {
  /**
   * Where the services report what they do (model loads, failed deliveries, import jobs and
   * campaign runs, local functions' console output): the server's logger. None: they stay silent,
   * and local functions write to this process's stdout and stderr.
   */
  log?: Logger;
  /** Per-account limits AWS documents as quotas (apps per account, recommender configurations). */
  quotas?: { apps?: number; recommenders?: number; eventCampaigns?: number };
  /** Who tenants may send email as (`--allowed-senders`); default: any sender. */
  senders?: SenderPolicy;
  /** The embedded engine's deployed models (Amazon Personalize campaigns this pinrec serves). */
  models?: Omit<CampaignRegistryOptions, "log">;
  /** Recommendations for campaign ARNs this pinrec does not serve: Amazon Personalize (or another pinrec). */
  personalize?: PersonalizeProviderOptions;
  /** Recommendation transformers; `functionsDir` defaults to `<dataDir>/functions`. */
  transformer?: Omit<TransformerOptions, "functionsDir" | "functionLog"> & { functionsDir?: string };
  /** Segment import jobs: the one directory file:// URLs may name (default `<dataDir>/imports`) and the S3-compatible server s3:// URLs are read from (none: refused). */
  imports?: { dir?: string; s3?: S3ImportOptions };
  /** The outbox's drainers and transports, and how long a stop waits for sends in flight. */
  delivery?: Omit<DeliveryOptions, "log"> & { shutdownMs?: number };
  campaigns?: {
    /** Whether this process fires due campaign runs and sends their batches (default true). */
    runs?: boolean;
    /**
     * The campaigns' clock (tests): the scheduler, the campaign API (schedule checks, first runs,
     * the derived State) and the EVENT trigger's schedule window all read this one, so a fake clock
     * moved on an hour moves every part together.
     */
    clock?: () => number;
    /** What PutEvents hands accepted events to; default: the EVENT campaign trigger. */
    eventTrigger?: EventCampaignTrigger;
  } & Pick<RunnerOptions, "leaseMs" | "pollMs">;
  /** Engagement events and email tracking (links, opens, unsubscribes), and their retention. */
  engagement?: Omit<EngagementOptions, "log">;
  /** Event stream delivery: Kinesis- and Firehose-compatible servers, polling. */
  eventStreams?: Omit<EventStreamOptions, "log">;
  /** The Personalize control plane's import and training jobs (poll interval, lease). */
  personalizeJobs?: Omit<JobRunnerOptions, "onError">;
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
  /** Engagement events, tracked links and opens, and clicks fed back to the served models. */
  engagement: EngagementService;
  /** KPIs over the engagement events (GetApplicationDateRangeKpi …). */
  kpis: KpiService;
  /** PutEventStream and the delivery of every app's events to its stream. */
  eventStreams: EventStreamService;
  /** Pinpoint journey definitions (CreateJourney …). */
  journeys: JourneyService;
  /** Journey execution metrics and GetJourneyDateRangeKpi. */
  journeyMetrics: JourneyMetricsService;
  /** Enters and advances journey participants (started with the campaign runner, on its clock and settings). */
  journeyExecutor: JourneyExecutor;
  /** Amazon Personalize's control plane (dataset groups … campaigns) and its import and training jobs. */
  personalizeControl: PersonalizeControl;
  /** Starts the background work: model polling and the outbox drainers. */
  start(): void;
  /** Stops the background work and releases what the services hold; the store stays open. */
  close(): Promise<void>;
}

/** `dataDir` is where the defaults of the functions and imports directories live. */
export function createServices(store: Store, dataDir: string, parts: ServiceParts = {}): Services {
  const { log, campaigns: campaignParts = {}, delivery: { shutdownMs, ...deliveryOptions } = {} } = parts;
  const transformers = new TransformerRouter({
    ...parts.transformer,
    functionsDir: parts.transformer?.functionsDir ?? join(dataDir, "functions"),
    functionLog: log && ((entry) => log[entry.level]({ function: entry.functionName, awsRequestId: entry.awsRequestId }, entry.message)),
  });
  const campaigns = new CampaignRegistry(store, { ...parts.models, log });
  const recommenders = new RecommenderService(store, parts.quotas?.recommenders ?? DEFAULT_RECOMMENDER_QUOTA);
  const endpoints = new EndpointService(store);
  const s3 = parts.imports?.s3 && new S3ImportReader(parts.imports.s3);
  const importJobs = new ImportJobService(store, new SegmentImporter(store, endpoints), {
    importDir: resolve(parts.imports?.dir ?? join(dataDir, "imports")),
    s3,
    log,
  });
  const eventStreams = new EventStreamService(store, { ...parts.eventStreams, log });
  const personalizeSources = new DataSources({ importDir: resolve(parts.imports?.dir ?? join(dataDir, "imports")), s3 });
  const personalizeJobs = new PersonalizeJobRunner(store, personalizeSources, {
    ...parts.personalizeJobs,
    onError: log && ((err) => log.error({ err }, "personalize job failed; it is retried after its lease")),
  });
  // One Amazon Personalize client set for recommendations out and clicks back in.
  const personalize = new PersonalizeRecommendationProvider(parts.personalize);
  const engagement = new EngagementService(store, new ServedModelFeedback(store, campaigns, personalize), { ...parts.engagement, log });
  const delivery = new Delivery(store.outbox, { ...deliveryOptions, log, hooks: engagement, pushStores: store });
  const templates = new TemplateService(store, recommenders);
  // AWS refuses to delete a segment that a campaign uses; pinrec refuses it for journeys too.
  const campaignUsage = campaignSegmentUsage(store);
  const journeyUsage = journeySegmentUsage(store);
  const segments = new SegmentService(store, {
    usage: async (...at) => [...(await campaignUsage(...at)), ...(await journeyUsage(...at))],
  });
  const pinpointCampaigns = new PinpointCampaignService(
    store,
    segments,
    templates,
    campaignParts.clock,
    parts.senders,
    parts.quotas?.eventCampaigns,
  );
  const messaging = createMessaging(
    { store, personalizeCampaigns: campaigns, recommenders, templates, transformer: transformers, sender: delivery.sender, personalize },
    { personalize: parts.personalize, senders: parts.senders },
  );
  const channels = new ChannelService(store, parts.senders);
  const runner = new CampaignRunnerService(
    { store, segments, channels, pipeline: messaging.service.pipeline },
    {
      leaseMs: campaignParts.leaseMs,
      pollMs: campaignParts.pollMs,
      now: campaignParts.clock,
      onError: log && ((err) => log.error({ err }, "campaign run failed; its batch returns after its lease")),
    },
  );
  const kpis = new KpiService(store);
  const journeys = new JourneyService(store, segments, templates, campaignParts.clock);
  const journeyExecutor = new JourneyExecutor(
    { store, segments, channels, pipeline: messaging.service.pipeline },
    {
      leaseMs: campaignParts.leaseMs,
      pollMs: campaignParts.pollMs,
      now: campaignParts.clock,
      onError: log && ((err) => log.error({ err }, "journey step failed; its participants return after their lease")),
    },
  );
  return {
    store,
    personalizeCampaigns: campaigns,
    recommenders,
    apps: new AppService(store, parts.quotas?.apps ?? DEFAULT_APP_QUOTA),
    endpoints,
    templates,
    segments,
    channels,
    importJobs,
    events: new EventService(
      store,
      endpoints,
      campaignParts.eventTrigger ?? new CampaignEventTrigger(pinpointCampaigns, runner, campaignParts.clock),
    ),
    pinpointCampaigns,
    transformers,
    delivery,
    messaging,
    runner,
    engagement,
    kpis,
    eventStreams,
    journeys,
    journeyMetrics: new JourneyMetricsService(store, journeys, kpis, campaignParts.clock),
    journeyExecutor,
    personalizeControl: new PersonalizeControl(store, personalizeSources, personalizeJobs),
    start() {
      campaigns.start();
      personalizeJobs.start();
      engagement.start();
      eventStreams.start();
      delivery.start();
      if (campaignParts.runs !== false) {
        runner.start();
        journeyExecutor.start();
      }
    },
    async close() {
      // Batches being sent finish first (their messages go to the outbox); the rest wait for the next process.
      await runner.close();
      await journeyExecutor.close();
      await delivery.stop(shutdownMs);
      await engagement.close();
      await eventStreams.close();
      await messaging.close();
      await importJobs.idle();
      await personalizeJobs.close();
      s3?.close();
      await campaigns.stop();
      await transformers.close();
    },
  };
}
