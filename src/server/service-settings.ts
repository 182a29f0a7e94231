/**
 * The domain's settings as `pinrec serve` takes them: one flat field per setting row (src/cli/
 * settings.ts), the same names in flags, environment variables and config files. `serviceParts`
 * sorts them into the groups the composition root configures each part with.
 */
import { readFileSync } from "node:fs";
import type { ServiceParts } from "../services.js";
import type { TransformerBackend } from "../pinpoint/messaging/transformer/index.js";
import type { S3ImportOptions } from "../pinpoint/segments/s3-import.js";
import type { PersonalizeProviderOptions } from "../pinpoint/messaging/recommendations/personalize.js";
import type { EventCampaignTrigger } from "../pinpoint/campaigns/contracts.js";
import type { EventStreamOptions } from "../pinpoint/engagement/event-streams.js";

export interface ServiceSettings {
  recommenderQuota?: number;
  appQuota?: number;
  eventCampaignQuota?: number;
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
  /** Everything about the remote Personalize provider at once (tests: credentials, timeouts); overrides the three above. */
  personalize?: PersonalizeProviderOptions;
  transformer?: TransformerBackend;
  functionWorkers?: number;
  functionMemoryMb?: number;
  functionTimeoutMs?: number;
  smtpUrl?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  pushDelivery?: boolean;
  fcmEndpoint?: string;
  fcmTokenEndpoint?: string;
  apnsEndpoint?: string;
  apnsCaFile?: string;
  deliveryLeaseMs?: number;
  deliveryAttempts?: number;
  deliveryShutdownMs?: number;
  /** Messages waiting for delivery per account and region; past it, sends answer 429. */
  outboxQuota?: number;
  /** Whether this process fires due campaign runs and sends their batches (default true). */
  campaignRuns?: boolean;
  campaignRunLeaseMs?: number;
  campaignRunPollMs?: number;
  /** The campaigns' clock (tests); see ServiceParts.campaigns.clock. */
  campaignRunClock?: () => number;
  /** What PutEvents hands accepted events to (tests); default: the EVENT campaign trigger. */
  eventTrigger?: EventCampaignTrigger;
  /** Accounts besides the caller's whose Personalize campaigns the server calls with its own credentials. */
  allowPersonalizeAccount?: string[];
  /** The event tracker of each Amazon Personalize campaign that clicks are sent to, by campaign ARN. */
  personalizeTrackingId?: Record<string, string>;
  /** Accounts besides the caller's whose Lambda functions tenants may name as transformers. */
  allowLambdaAccount?: string[];
  /** S3 buckets import jobs may read (`*`: any); none by default. */
  allowS3Bucket?: string[];
  /** Domains and addresses tenants may send email from; undefined: any. */
  allowedSenders?: string[];
  /** Email link and open tracking (default true). */
  tracking?: boolean;
  trackingUrl?: string;
  trackingRateLimit?: number;
  eventRetentionDays?: number;
  kinesisEndpoint?: string;
  firehoseEndpoint?: string;
  /** Everything about event stream delivery at once (tests: credentials, polling); overrides the two above. */
  eventStreams?: EventStreamOptions;
}

export function serviceParts(s: ServiceSettings): Omit<ServiceParts, "log"> {
  return {
    quotas: { apps: s.appQuota, recommenders: s.recommenderQuota, eventCampaigns: s.eventCampaignQuota },
    senders: { allowed: s.allowedSenders },
    models: { pollMs: s.campaignPollMs, maxFoldedUsers: s.maxFoldedUsers },
    personalize: s.personalize ?? {
      endpoint: s.personalizeEndpoint,
      assumeRole: s.assumeProviderRole === true,
      stsEndpoint: s.stsEndpoint,
      allowedAccounts: s.allowPersonalizeAccount,
      trackingIds: s.personalizeTrackingId,
    },
    transformer: {
      backend: s.transformer,
      functionsDir: s.functionsDir,
      lambdaEndpoint: s.lambdaEndpoint,
      workers: s.functionWorkers,
      memoryMb: s.functionMemoryMb,
      timeoutMs: s.functionTimeoutMs,
      allowedLambdaAccounts: s.allowLambdaAccount,
    },
    imports: {
      dir: s.importDir,
      s3:
        s.s3Endpoint === undefined
          ? undefined
          : { endpoint: s.s3Endpoint, credentials: s.s3Credentials, allowedBuckets: s.allowS3Bucket ?? [] },
    },
    delivery: {
      smtpUrl: s.smtpUrl,
      webhookUrl: s.webhookUrl,
      webhookSecret: s.webhookSecret,
      ...(s.pushDelivery && {
        push: {
          fcmEndpoint: s.fcmEndpoint,
          fcmTokenEndpoint: s.fcmTokenEndpoint,
          apnsEndpoint: s.apnsEndpoint,
          ...(s.apnsCaFile !== undefined && { apnsCa: readFileSync(s.apnsCaFile, "utf8") }),
        },
      }),
      leaseMs: s.deliveryLeaseMs,
      maxAttempts: s.deliveryAttempts,
      shutdownMs: s.deliveryShutdownMs,
      outboxQuota: s.outboxQuota,
    },
    campaigns: {
      runs: s.campaignRuns,
      leaseMs: s.campaignRunLeaseMs,
      pollMs: s.campaignRunPollMs,
      clock: s.campaignRunClock,
      eventTrigger: s.eventTrigger,
    },
    engagement: {
      tracking: s.tracking,
      trackingUrl: s.trackingUrl,
      trackingRateLimit: s.trackingRateLimit,
      retentionDays: s.eventRetentionDays,
    },
    eventStreams: s.eventStreams ?? { kinesisEndpoint: s.kinesisEndpoint, firehoseEndpoint: s.firehoseEndpoint },
  };
}
