/**
 * The transformer stage (the configuration's `RecommendationTransformerUri`): recipients go to the
 * function in batches of at most 50 endpoints, each endpoint definition carrying its
 * `RecommendationItems`, as Amazon Pinpoint invokes it ("Preparing custom recommendations with AWS
 * Lambda", Amazon Pinpoint User Guide). Each batch's result is validated on its own: a batch whose
 * invocation fails (after its attempts) fails only its recipients, with the cause in their
 * `StatusMessage`; an endpoint the result omits or malforms fails alone.
 */
import type { EndpointResponse, RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import type { Tenant } from "../../../store/types.js";
import type { TransformerEndpoint, TransformerEvent, TransformerInvoker } from "../contracts.js";
import type { Recipient } from "../pipeline.js";
import { transformBatch } from "./result.js";

/** Pinpoint: one invocation handles up to 50 endpoints. */
export const MAX_TRANSFORMER_BATCH = 50;

export interface TransformerStageOptions {
  /** Campaign-hook envelope fields, when a campaign sends. */
  event?: Pick<TransformerEvent, "CampaignId" | "TreatmentId" | "ActivityId" | "ScheduledTime">;
  batchSize?: number;
}

/** An endpoint definition as the function sees it: the stored endpoint without its id and bookkeeping. */
function definition(endpoint: EndpointResponse, items: string[]): TransformerEndpoint {
  const { Id: _id, ApplicationId: _app, CohortId: _cohort, RequestId: _request, ...rest } = endpoint;
  return { ...rest, RecommendationItems: items };
}

export async function transformRecommendations(
  invoker: TransformerInvoker,
  tenant: Tenant,
  appId: string,
  config: RecommenderConfigurationResponse,
  recipients: Recipient[],
  options: TransformerStageOptions = {},
): Promise<void> {
  const size = options.batchSize ?? MAX_TRANSFORMER_BATCH;
  const uri = config.RecommendationTransformerUri!;
  const attributes = config.Attributes ?? {};
  // Endpoints keyed by id: one endpoint reached twice in a request (e.g. through two users) is sent to the function once.
  const byId = new Map<string, Recipient[]>();
  for (const r of recipients) {
    const id = r.endpoint.Id!;
    byId.set(id, [...(byId.get(id) ?? []), r]);
  }
  const ids = [...byId.keys()];
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += size) batches.push(ids.slice(i, i + size));
  await Promise.all(
    batches.map(async (batch) => {
      const event: TransformerEvent = { ApplicationId: appId, ...options.event, Endpoints: {} };
      for (const id of batch) {
        const r = byId.get(id)![0];
        event.Endpoints[id] = definition(r.endpoint, r.recommendationItems ?? []);
      }
      const results = await transformBatch(invoker, tenant, uri, event, attributes);
      for (const id of batch) {
        const attrs = results.get(id);
        for (const r of byId.get(id)!) {
          if (attrs === undefined || attrs instanceof Error) {
            const cause = attrs?.message ?? "no result for this endpoint";
            r.outcome = { DeliveryStatus: "PERMANENT_FAILURE", StatusCode: 500, StatusMessage: `Transformer ${uri} failed for this endpoint: ${cause}` };
          } else r.recommendations = attrs;
        }
      }
    }),
  );
}
