import type { CampaignRegistry, LoadedCampaign } from "../campaigns/registry.js";
import { parseCampaignArn } from "../campaigns/arn.js";
import { servedCampaign } from "../campaigns/resolve.js";
import { ApiError, badRequest } from "../shared/errors.js";
import type { Tenant } from "../store/types.js";

export const resourceNotFound = (message: string) => new ApiError("ResourceNotFoundException", 404, message);

/** Resolves a campaign ARN for the calling tenant, as Personalize's runtime API reports a bad or unknown one. */
export async function campaignFor(registry: CampaignRegistry, tenant: Tenant, arn: unknown): Promise<LoadedCampaign> {
  if (typeof arn !== "string" || arn.length > 256) throw badRequest("campaignArn must be a campaign ARN of at most 256 characters");
  if (!parseCampaignArn(arn)) throw badRequest(`campaignArn '${arn}' is not a valid campaign ARN`);
  const loaded = await servedCampaign(registry, tenant, arn);
  if (!loaded) throw resourceNotFound(`Resource ${arn} does not exist.`);
  return loaded;
}
