/**
 * A recipient as it moves through the send pipeline. Each stage takes the values the stage before
 * it returned and returns new, narrower ones: `Resolved` (a sendable endpoint with its channel's
 * content) → `Recommended` (its recommendations, when its template names a recommender) →
 * `Rendered` (the message). A recipient whose fate is settled becomes `Decided` at whichever stage
 * settles it, and later stages pass it through unchanged, so the list keeps the request's order.
 */
import type {
  DeliveryStatus,
  EndpointMessageResult,
  EndpointResponse,
  EndpointSendConfiguration,
  RecommenderConfigurationResponse,
} from "@aws-sdk/client-pinpoint";
import type { ChannelContent, LoadedTemplate, PushPlatform, RenderedContent } from "./content/channel-content.js";

export type RecipientRef =
  | { kind: "address"; address: string }
  | { kind: "endpoint"; endpointId: string }
  | { kind: "user"; userId: string; endpointId: string };

/** Who a message goes to: how the request named them, the endpoint, and its per-recipient settings. */
export interface Target {
  ref: RecipientRef;
  /** The stored endpoint; for a raw address, just its Address and ChannelType. */
  endpoint: EndpointResponse;
  config: EndpointSendConfiguration;
}

/** A recipient that passed screening: it has an address and content for its channel. */
export interface Resolved extends Target {
  state: "pending";
  content: ChannelContent;
  platform?: PushPlatform;
}

/** After the recommendation and transformer stages (unchanged for templates without a recommender). */
export interface Recommended extends Resolved {
  /** The configuration the items came from; the transformer stage reads its transformer and attributes. */
  recommender?: { id: string; config: RecommenderConfigurationResponse };
  recommendationItems?: string[];
  /** Custom attributes the transformer returned. */
  recommendations?: Record<string, unknown>;
}

export interface Rendered extends Recommended {
  rendered: RenderedContent;
}

/** A recipient whose outcome is settled, with what the stages before had learned about it. */
export interface Decided extends Target {
  state: "decided";
  outcome: EndpointMessageResult;
  template?: LoadedTemplate;
  recommendationItems?: string[];
  recommendations?: Record<string, unknown>;
}

/** A stage's list: recipients still moving (of that stage's type) and those already decided. */
export type Stage<T extends Resolved> = (T | Decided)[];

export const failure = (status: DeliveryStatus, code: number, message: string): EndpointMessageResult => ({
  DeliveryStatus: status,
  StatusCode: code,
  StatusMessage: message,
});

/** Settles a recipient's outcome, keeping the template version and recommendations it had reached. */
export function decide(r: Target & Partial<Omit<Recommended, keyof Target>>, outcome: EndpointMessageResult): Decided {
  return {
    ref: r.ref,
    endpoint: r.endpoint,
    config: r.config,
    state: "decided",
    outcome,
    ...(r.content?.template && { template: r.content.template }),
    ...(r.recommendationItems && { recommendationItems: r.recommendationItems }),
    ...(r.recommendations && { recommendations: r.recommendations }),
  };
}

export const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err));
