import type { RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import type { ModelBlobStore, SqlCampaignRepository } from "./campaigns.js";
import type { AppRepository } from "./apps.js";
import type { EndpointRepository } from "./endpoints.js";
import type { OutboxRepository } from "./outbox.js";
import type { TemplateRepository } from "./templates.js";
import type { SegmentRepository } from "./segments.js";
import type { ChannelRepository } from "./channels.js";
import type { ImportJobRepository } from "./import-jobs.js";
import type { SqlCampaignRunRepository } from "./campaign-runs.js";

/** Every resource belongs to one account in one region (the SigV4 credential scope's region). */
export interface Tenant {
  accountId: string;
  region: string;
}

/** A page of a list in creation order; `after` is the position to continue from, if any. */
export interface Page<T> {
  items: T[];
  after?: number;
}

export interface RecommenderRepository {
  /** Inserts unless the tenant already has `quota` configurations; returns false in that case. */
  insert(tenant: Tenant, doc: RecommenderConfigurationResponse, quota: number): Promise<boolean>;
  get(tenant: Tenant, id: string): Promise<RecommenderConfigurationResponse | undefined>;
  list(tenant: Tenant, after: number, limit: number): Promise<Page<RecommenderConfigurationResponse>>;
  /** Replaces the stored document; false when it no longer exists. */
  replace(tenant: Tenant, doc: RecommenderConfigurationResponse): Promise<boolean>;
  delete(tenant: Tenant, id: string): Promise<RecommenderConfigurationResponse | undefined>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly recommenders: RecommenderRepository;
  readonly apps: AppRepository;
  readonly endpoints: EndpointRepository;
  readonly templates: TemplateRepository;
  readonly segments: SegmentRepository;
  readonly channels: ChannelRepository;
  readonly importJobs: ImportJobRepository;
  readonly campaigns: SqlCampaignRepository;
  readonly models: ModelBlobStore;
  /** Pinpoint campaign runs: durable batches, the shared send rate, per-endpoint send counts. */
  readonly campaignRuns: SqlCampaignRunRepository;
  /** What opening the store changed that its user should hear about (e.g. permissions tightened). */
  readonly notices: readonly string[];
  /** Resolves when the database answers a trivial query (health checks); rejects otherwise. */
  ping(): Promise<void>;
  readonly outbox: OutboxRepository;
  close(): Promise<void>;
}
