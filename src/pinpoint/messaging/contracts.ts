/**
 * The seams of the send pipeline. A message goes recipients → recommendations → transformer →
 * rendering → delivery; each stage that talks to the outside world sits behind one of these
 * interfaces, so the pipeline (and, later, campaigns) depends on the shape and not on the backend:
 *
 * - `RecommendationProvider`: the embedded engine in-process, or Amazon Personalize's runtime API.
 * - `TransformerInvoker`: local functions in worker threads, or AWS Lambda's Invoke API.
 * - `MessageSender`: the durable outbox, drained to SMTP / a webhook when configured.
 *
 * The Lambda event and response follow the "Preparing custom recommendations with AWS Lambda"
 * page of the Amazon Pinpoint User Guide; delivery outcomes use `EndpointMessageResult` from the
 * Pinpoint REST API (SendMessages / SendUsersMessages).
 */
import type { DeliveryStatus, EndpointResponse } from "@aws-sdk/client-pinpoint";
import type { Tenant } from "../../store/types.js";

// ---------------------------------------------------------------------------------------------
// Recommendations

export interface RecommendationRequest {
  tenant: Tenant;
  /** The configuration's `RecommendationProviderUri`: a Personalize campaign ARN. */
  campaignArn: string;
  /** The configuration's `RecommendationProviderRoleArn` (assumed for real Personalize when enabled). */
  roleArn?: string;
  /** Distinct Personalize user ids (endpoint ids or `User.UserId`, per the configuration's id type). */
  userIds: string[];
  /** `RecommendationsPerMessage`: how many item ids to keep per user, in the provider's order. */
  count: number;
}

/**
 * A request the provider refuses to make (for example, one that would use the server's AWS identity
 * on another account's resources): the recipient fails permanently, and is never retried.
 */
export class RecommendationRefused extends Error {
  override readonly name = "RecommendationRefused";
}

export interface RecommendationProvider {
  /**
   * Recommended item ids per user id. A user the provider could not serve maps to an `Error`
   * whose message becomes that recipient's `StatusMessage` (a `RecommendationRefused` fails it
   * permanently); a rejection fails every user of the call.
   */
  recommend(request: RecommendationRequest): Promise<Map<string, string[] | Error>>;
}

// ---------------------------------------------------------------------------------------------
// Transformer (the configuration's `RecommendationTransformerUri`)

/** An endpoint definition as the Lambda sees it: `EndpointResponse` fields plus the recommendations. */
export type TransformerEndpoint = Omit<EndpointResponse, "Id" | "ApplicationId" | "CohortId" | "RequestId"> & {
  RecommendationItems: string[];
};

export interface TransformerEvent {
  ApplicationId: string;
  /** Set when a campaign sends (campaign-hook envelope); absent on direct sends. */
  CampaignId?: string;
  TreatmentId?: string;
  ActivityId?: string;
  ScheduledTime?: string;
  /** At most 50 endpoints per invocation, keyed by endpoint id. */
  Endpoints: Record<string, TransformerEndpoint>;
}

/** The campaign-hook envelope a campaign (or journey) send adds to each transformer event. */
export type TransformerEnvelope = Pick<TransformerEvent, "CampaignId" | "TreatmentId" | "ActivityId" | "ScheduledTime">;

export interface TransformerInvoker {
  /**
   * One synchronous invocation (with the 15 s timeout and up to 3 attempts inside). Resolves to
   * the function's decoded JSON result, unvalidated; rejects with an Error whose message says why
   * (timeout, thrown error, unparsable or oversized result), which fails that batch's recipients.
   */
  invoke(tenant: Tenant, functionUri: string, event: TransformerEvent): Promise<unknown>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Delivery

export type SendChannel = "EMAIL" | "SMS" | "PUSH";

export interface RenderedMessage {
  tenant: Tenant;
  applicationId: string;
  channel: SendChannel;
  /** Email address, phone number or device token. */
  address: string;
  endpointId?: string;
  userId?: string;
  /** SendMessages/SendUsersMessages request id (the `RequestId` in the response). */
  requestId: string;
  traceId?: string;
  /** Request and per-recipient `Context`, merged. */
  context?: Record<string, string>;
  /**
   * At most one message is ever accepted per key (campaign runs use activity id + endpoint id); a
   * repeated key answers the first acceptance's outcome without storing or sending again.
   */
  idempotencyKey?: string;
  email?: {
    fromAddress?: string;
    replyTo?: string[];
    subject?: string;
    html?: string;
    text?: string;
    headers?: { name: string; value: string }[];
    /** `RawEmail.Data`, decoded: a complete MIME message sent as is. */
    raw?: string;
  };
  sms?: {
    body: string;
    messageType?: string;
    originationNumber?: string;
    senderId?: string;
    keyword?: string;
  };
  /** What the message's engagement events carry: its campaign or journey, and the items it recommended. */
  engagement?: MessageEngagement;
  push?: {
    title?: string;
    body?: string;
    action?: string;
    url?: string;
    imageUrl?: string;
    data?: Record<string, string>;
    /** `RawContent`: the platform payload, sent as is. */
    raw?: string;
    /** `Sound`: the platform's sound name ("default"). */
    sound?: string;
    /** `SilentPush`: a data-only (background) notification. */
    silent?: boolean;
    /** `TimeToLive`, seconds the platform keeps trying to deliver. */
    ttlSeconds?: number;
    /** `Priority`: "high"/"normal" (FCM) or "10"/"5" (APNs), as given. */
    priority?: string;
    /** `CollapseKey` (GCM) / `CollapseId` (APNs). */
    collapseId?: string;
  };
  /** A push message's endpoint `ChannelType` (GCM, APNS, APNS_SANDBOX, …): which platform and host it goes to. */
  channelType?: string;
}

export interface MessageEngagement {
  campaignId?: string;
  treatmentId?: string;
  campaignActivityId?: string;
  journeyId?: string;
  journeyActivityId?: string;
  /** The recommender configuration the message's `RecommendationItems` came from, and those items. */
  recommenderId?: string;
  recommendationItems?: string[];
  /** False when the template or campaign opted out of link and open tracking. */
  tracking?: boolean;
}

export interface DeliveryOutcome {
  messageId: string;
  deliveryStatus: DeliveryStatus;
  /** 200 when accepted, as Pinpoint reports it. */
  statusCode: number;
  statusMessage: string;
}

export interface MessageSender {
  /**
   * Accepts a batch: every message is stored durably (one transaction) before this resolves, then
   * handed to the channel's transport in the background. One outcome per message, in order.
   */
  accept(messages: RenderedMessage[]): Promise<DeliveryOutcome[]>;
  close(): Promise<void>;
}
