import { CampaignUnavailableError, type CampaignRegistry, type LoadedCampaign } from "../campaigns/registry.js";
import { parseCampaignArn } from "../campaigns/arn.js";
import { ApiError, badRequest } from "../shared/errors.js";
import type { Tenant } from "../store/types.js";

export const resourceNotFound = (message: string) => new ApiError("ResourceNotFoundException", 404, message);

/** Personalize answers a campaign that is not ACTIVE with ResourceNotFoundException; so does pinrec for one whose model cannot be loaded. */
const campaignUnavailable = (arn: string) =>
  resourceNotFound(`Resource ${arn} is not active: its model file failed its integrity check or is missing. Retrain the campaign (pinrec campaigns retrain).`);

/** Resolves a campaign ARN for the calling tenant; another tenant's campaign does not exist for it. */
export async function campaignFor(registry: CampaignRegistry, tenant: Tenant, arn: unknown): Promise<LoadedCampaign> {
  if (typeof arn !== "string" || arn.length > 256) throw badRequest("campaignArn must be a campaign ARN of at most 256 characters");
  const parsed = parseCampaignArn(arn);
  if (!parsed) throw badRequest(`campaignArn '${arn}' is not a valid campaign ARN`);
  const own = parsed.tenant.accountId === tenant.accountId && parsed.tenant.region === tenant.region;
  const loaded = own
    ? await registry.get(tenant, parsed.name).catch((err) => {
        // Not the client's fault, but not a crash either: the campaign exists without a usable model.
        if (err instanceof CampaignUnavailableError) throw campaignUnavailable(arn);
        throw err;
      })
    : undefined;
  if (!loaded) throw resourceNotFound(`Resource ${arn} does not exist.`);
  return loaded;
}
