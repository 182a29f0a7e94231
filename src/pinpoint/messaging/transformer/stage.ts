/**
 * The transformer stage (the configuration's `RecommendationTransformerUri`): recipients go to the
 * function in batches of at most `MAX_ENDPOINTS_PER_INVOCATION` endpoints, each endpoint definition
 * carrying its `RecommendationItems`, as Amazon Pinpoint invokes it ("Preparing custom
 * recommendations with AWS Lambda", Amazon Pinpoint User Guide). Each batch's result is validated
 * on its own: a batch whose invocation fails (after its attempts) fails only its recipients with
 * `PERMANENT_FAILURE` (500) and the cause in their `StatusMessage`; an endpoint the result omits or
 * malforms fails alone.
 */
import type { EndpointResponse, RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import type { Tenant } from "../../../store/types.js";
import type { TransformerEndpoint, TransformerEnvelope, TransformerEvent, TransformerInvoker } from "../contracts.js";
import { decide, failure, type Decided, type Recommended, type Stage } from "../recipient.js";
import { MAX_ENDPOINTS_PER_INVOCATION } from "./payload.js";
import { transformBatch } from "./result.js";

/** An endpoint definition as the function sees it: the stored endpoint without its id and bookkeeping. */
function definition(endpoint: EndpointResponse, items: string[]): TransformerEndpoint {
  const { Id: _id, ApplicationId: _app, CohortId: _cohort, RequestId: _request, ...rest } = endpoint;
  return { ...rest, RecommendationItems: items };
}

export class TransformerStage {
  /** `invoker` is absent where this pinrec has no transformer backend. */
  constructor(private readonly invoker: TransformerInvoker | undefined) {}

  async run(tenant: Tenant, appId: string, recipients: Stage<Recommended>, envelope?: TransformerEnvelope): Promise<Stage<Recommended>> {
    const byRecommender = new Map<NonNullable<Recommended["recommender"]>, Recommended[]>();
    for (const r of recipients) {
      if (r.state === "decided" || !r.recommender?.config.RecommendationTransformerUri) continue;
      byRecommender.set(r.recommender, [...(byRecommender.get(r.recommender) ?? []), r]);
    }
    const next = new Map<Recommended, Recommended | Decided>();
    await Promise.all([...byRecommender].map(([{ id, config }, list]) => this.group(tenant, appId, id, config, list, next, envelope)));
    return recipients.map((r) => (r.state === "pending" ? (next.get(r) ?? r) : r));
  }

  private async group(
    tenant: Tenant,
    appId: string,
    recommenderId: string,
    config: RecommenderConfigurationResponse,
    list: Recommended[],
    next: Map<Recommended, Recommended | Decided>,
    envelope: TransformerEnvelope | undefined,
  ): Promise<void> {
    const uri = config.RecommendationTransformerUri ?? "";
    if (!this.invoker) {
      const message = `Recommender '${recommenderId}' names a transformer (${uri}) but this pinrec has no transformer backend`;
      for (const r of list) next.set(r, decide(r, failure("PERMANENT_FAILURE", 500, message)));
      return;
    }
    const invoker = this.invoker;
    const attributes = config.Attributes ?? {};
    // Endpoints keyed by id: one endpoint reached twice in a request (e.g. through two users) is sent to the function once.
    const byId = new Map<string, Recommended[]>();
    for (const r of list) {
      const id = r.endpoint.Id ?? "";
      byId.set(id, [...(byId.get(id) ?? []), r]);
    }
    const ids = [...byId.keys()];
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += MAX_ENDPOINTS_PER_INVOCATION) batches.push(ids.slice(i, i + MAX_ENDPOINTS_PER_INVOCATION));
    await Promise.all(
      batches.map(async (batch) => {
        const event: TransformerEvent = { ApplicationId: appId, ...envelope, Endpoints: {} };
        for (const id of batch) {
          const [first] = byId.get(id) ?? [];
          event.Endpoints[id] = definition(first.endpoint, first.recommendationItems ?? []);
        }
        const results = await transformBatch(invoker, tenant, uri, event, attributes);
        for (const id of batch) {
          const attrs = results.get(id);
          for (const r of byId.get(id) ?? []) {
            if (attrs === undefined || attrs instanceof Error) {
              const cause = attrs?.message ?? "no result for this endpoint";
              next.set(r, decide(r, failure("PERMANENT_FAILURE", 500, `Transformer ${uri} failed for this endpoint: ${cause}`)));
            } else next.set(r, { ...r, recommendations: attrs });
          }
        }
      }),
    );
  }
}
