import type { CampaignRegistry, LoadedCampaign } from "../campaigns/registry.js";
import { parseCampaignArn } from "../campaigns/arn.js";
import { ApiError, badRequest } from "../shared/errors.js";
import type { Tenant } from "../store/types.js";

export const resourceNotFound = (message: string) => new ApiError("ResourceNotFoundException", 404, message);

/** Resolves a campaign ARN for the calling tenant; another tenant's campaign does not exist for it. */
export async function campaignFor(registry: CampaignRegistry, tenant: Tenant, arn: unknown): Promise<LoadedCampaign> {
  if (typeof arn !== "string" || arn.length > 256) throw badRequest("campaignArn must be a campaign ARN of at most 256 characters");
  const parsed = parseCampaignArn(arn);
  if (!parsed) throw badRequest(`campaignArn '${arn}' is not a valid campaign ARN`);
  const own = parsed.tenant.accountId === tenant.accountId && parsed.tenant.region === tenant.region;
  const loaded = own ? await registry.get(tenant, parsed.name) : undefined;
  if (!loaded) throw resourceNotFound(`Resource ${arn} does not exist.`);
  return loaded;
}
