/**
 * The store's one interface: every repository, each declared beside its SQL implementation, for
 * SQLite and PostgreSQL alike (sqlite.ts, postgres.ts), checked by one contract suite.
 */
import type { PersonalizeCampaignRepository } from "./personalize-campaigns.js";
import type { ModelBlobStore } from "./model-blobs.js";
import type { AppRepository } from "./apps.js";
import type { EndpointRepository } from "./endpoints.js";
import type { OutboxRepository } from "./outbox.js";
import type { TemplateRepository } from "./templates.js";
import type { SegmentRepository } from "./segments.js";
import type { ChannelRepository } from "./channels.js";
import type { ImportJobRepository } from "./import-jobs.js";
import type { RecommenderRepository } from "./recommenders.js";
import type { PinpointCampaignRepository } from "./pinpoint-campaigns.js";
import type { PinpointCampaignRunRepository } from "./pinpoint-campaign-runs.js";
import type { EngagementEventStore } from "./engagement-events.js";
import type { EventStreamRepository } from "./event-streams.js";
import type { JourneyRepository } from "./journeys.js";
import type { JourneyParticipantRepository } from "./journey-participants.js";
import type { PersonalizeResourceRepository } from "./personalize-resources.js";

export type { Page, Tenant } from "./tenant.js";

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly recommenders: RecommenderRepository;
  readonly apps: AppRepository;
  readonly endpoints: EndpointRepository;
  readonly templates: TemplateRepository;
  readonly segments: SegmentRepository;
  readonly channels: ChannelRepository;
  readonly importJobs: ImportJobRepository;
  readonly personalizeCampaigns: PersonalizeCampaignRepository;
  /** Pinpoint campaigns (CreateCampaign …), Amazon Personalize campaigns are `personalizeCampaigns`. */
  readonly pinpointCampaigns: PinpointCampaignRepository;
  readonly models: ModelBlobStore;
  /** Pinpoint campaign runs: durable batches, the shared send rate, per-endpoint send counts. */
  readonly pinpointCampaignRuns: PinpointCampaignRunRepository;
  /** What opening the store changed that its user should hear about (e.g. permissions tightened). */
  readonly notices: readonly string[];
  /** Resolves when the database answers a trivial query (health checks); rejects otherwise. */
  ping(): Promise<void>;
  readonly outbox: OutboxRepository;
  /** Engagement events (`_email.open`, `_email.click`, …), the sent messages' context, the tracking key. */
  readonly engagement: EngagementEventStore;
  /** PutEventStream's streams and their durable delivery position. */
  readonly eventStreams: EventStreamRepository;
  /** Pinpoint journeys (CreateJourney …) with their participants' progress. */
  readonly journeys: JourneyRepository;
  /** Journey participants as durable, leased work, and the journeys' execution metrics. */
  readonly journeyParticipants: JourneyParticipantRepository;
  /** Amazon Personalize's control-plane resources (dataset groups … solution versions, filters). */
  readonly personalizeResources: PersonalizeResourceRepository;
  close(): Promise<void>;
}
