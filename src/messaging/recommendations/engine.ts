/**
 * Recommendations from the embedded engine, in-process, for the campaigns this pinrec serves; every
 * other campaign ARN goes to the remote provider (Amazon Personalize). The same campaign seam the
 * Personalize runtime API answers from, so a send puts in exactly the items GetRecommendations returns.
 */
import type { CampaignRegistry } from "../../campaigns/registry.js";
import { servedCampaign } from "../../campaigns/resolve.js";
import type { Model } from "../../engine/index.js";
import type { RecommendationProvider, RecommendationRequest } from "../contracts.js";

/**
 * Item ids per user, best first, as GetRecommendations ranks them (items the user has seen are left
 * out). The one place to switch to the engine's batch scoring once `Model` offers it.
 */
export function recommendFromModel(model: Model, userIds: string[], count: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const userId of userIds) out.set(userId, model.recommend(userId, count).map((i) => i.itemId));
  return out;
}

export class CampaignRecommendationProvider implements RecommendationProvider {
  constructor(
    private readonly registry: CampaignRegistry,
    /** For campaign ARNs this pinrec does not serve. */
    private readonly remote: RecommendationProvider,
  ) {}

  async recommend(request: RecommendationRequest): Promise<Map<string, string[] | Error>> {
    const served = await servedCampaign(this.registry, request.tenant, request.campaignArn);
    if (served) return recommendFromModel(served.model, request.userIds, request.count);
    return this.remote.recommend(request);
  }
}
