/**
 * Recommendations from the embedded engine, in-process, for the campaigns this pinrec serves; every
 * other campaign ARN goes to the remote provider (Amazon Personalize). The same campaign seam the
 * Personalize runtime API answers from, so a send puts in exactly the items GetRecommendations returns.
 */
import type { CampaignRegistry } from "../../../personalize/campaigns/registry.js";
import { servedCampaign } from "../../../personalize/campaigns/resolve.js";
import type { Model } from "../../../engine/index.js";
import type { RecommendationProvider, RecommendationRequest } from "../contracts.js";

/**
 * Item ids per user, best first, as GetRecommendations ranks them (items the user has seen are left
 * out), scored for all of a request's users at once.
 */
export async function recommendFromModel(model: Model, userIds: string[], count: number): Promise<Map<string, string[]>> {
  // One pass over every recipient's user (the engine scores users in blocks, a large batch on two
  // threads, without holding the event loop), same items as recommend().
  const batch = await model.recommendBatchAsync(userIds, count);
  return new Map(userIds.map((userId, i) => [userId, batch[i].map((item) => item.itemId)]));
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
