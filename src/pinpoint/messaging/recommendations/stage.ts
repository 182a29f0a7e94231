/**
 * The recommendations stage: for recipients whose template names a recommender model
 * configuration (`RecommenderId`), one call to the configuration's provider per configuration,
 * keyed by endpoint id or `User.UserId` (`RecommendationProviderIdType`), keeping
 * `RecommendationsPerMessage` item ids. Recipients it cannot serve are decided:
 * - `PERMANENT_FAILURE` (400): a template whose configuration no longer exists, or no id to key on;
 *   (403) a request the provider refuses (another account's role or campaign).
 * - `TEMPORARY_FAILURE` (503): the provider failed or timed out for the recipient.
 */
import type { RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import { ApiError } from "../../../shared/errors.js";
import type { Tenant } from "../../../store/types.js";
import type { RecommenderService } from "../../recommenders/service.js";
import type { LoadedTemplate } from "../content/index.js";
import { RecommendationRefused, type RecommendationProvider } from "../contracts.js";
import { decide, describeError, failure, type Decided, type Recommended, type Resolved, type Stage } from "../recipient.js";

/** How long a send waits for a recommendation provider before failing its recipients. */
export const RECOMMENDATION_TIMEOUT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface RecommendationStageDeps {
  recommenders: RecommenderService;
  provider: RecommendationProvider;
  timeoutMs?: number;
}

export class RecommendationStage {
  constructor(private readonly deps: RecommendationStageDeps) {}

  async run(tenant: Tenant, recipients: Stage<Resolved>): Promise<Stage<Recommended>> {
    const byRecommender = new Map<string, { template: LoadedTemplate; list: Resolved[] }>();
    for (const r of recipients) {
      if (r.state === "decided") continue;
      const template = r.content.template;
      if (!template?.recommenderId) continue;
      const key = template.recommenderId;
      const group = byRecommender.get(key) ?? { template, list: [] };
      group.list.push(r);
      byRecommender.set(key, group);
    }
    const next = new Map<Resolved, Recommended | Decided>();
    await Promise.all([...byRecommender].map(([id, g]) => this.group(tenant, id, g.template, g.list, next)));
    return recipients.map((r) => (r.state === "pending" ? (next.get(r) ?? r) : r));
  }

  private async group(
    tenant: Tenant,
    recommenderId: string,
    template: LoadedTemplate,
    list: Resolved[],
    next: Map<Resolved, Recommended | Decided>,
  ): Promise<void> {
    let config: RecommenderConfigurationResponse;
    try {
      config = await this.deps.recommenders.get(tenant, recommenderId);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      const message = `Template '${template.name}' version ${template.version} names recommender model configuration '${recommenderId}', which no longer exists`;
      for (const r of list) next.set(r, decide(r, failure("PERMANENT_FAILURE", 400, message)));
      return;
    }
    const byUserId = config.RecommendationProviderIdType === "PINPOINT_USER_ID";
    const keyed: [Resolved, string][] = [];
    for (const r of list) {
      const id = r.ref.kind === "address" ? undefined : byUserId ? r.endpoint.User?.UserId : r.endpoint.Id;
      if (id !== undefined) keyed.push([r, id]);
      else if (r.ref.kind === "address") {
        next.set(
          r,
          decide(
            r,
            failure(
              "PERMANENT_FAILURE",
              400,
              `Raw address ${r.ref.address} has no endpoint id or user id for recommender '${recommenderId}' to key on; send to Endpoints or Users instead`,
            ),
          ),
        );
      } else {
        next.set(
          r,
          decide(
            r,
            failure(
              "PERMANENT_FAILURE",
              400,
              `Endpoint '${r.endpoint.Id}' has no User.UserId, which recommender '${recommenderId}' (RecommendationProviderIdType PINPOINT_USER_ID) needs`,
            ),
          ),
        );
      }
    }
    if (keyed.length === 0) return;
    let results: Map<string, string[] | Error>;
    try {
      results = await withTimeout(
        this.deps.provider.recommend({
          tenant,
          campaignArn: config.RecommendationProviderUri ?? "",
          ...(config.RecommendationProviderRoleArn && { roleArn: config.RecommendationProviderRoleArn }),
          userIds: [...new Set(keyed.map(([, id]) => id))],
          count: config.RecommendationsPerMessage ?? 5,
        }),
        this.deps.timeoutMs ?? RECOMMENDATION_TIMEOUT_MS,
        `The recommendation provider for ${config.RecommendationProviderUri}`,
      );
    } catch (err) {
      const message = `Recommendations from ${config.RecommendationProviderUri} failed: ${describeError(err)}`;
      for (const [r] of keyed) next.set(r, decide(r, failure("TEMPORARY_FAILURE", 503, message)));
      return;
    }
    const recommender = { id: recommenderId, config };
    for (const [r, id] of keyed) {
      const items = results.get(id);
      if (items instanceof RecommendationRefused) next.set(r, decide(r, failure("PERMANENT_FAILURE", 403, items.message)));
      else if (items instanceof Error) next.set(r, decide(r, failure("TEMPORARY_FAILURE", 503, items.message)));
      else if (items === undefined)
        next.set(r, decide(r, failure("TEMPORARY_FAILURE", 503, `The recommendation provider returned nothing for '${id}'`)));
      else next.set(r, { ...r, recommender, recommendationItems: items });
    }
  }
}
