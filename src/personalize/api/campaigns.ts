import { CampaignUnavailableError, type CampaignRegistry, type LoadedCampaign } from "../campaigns/registry.js";
import { parseCampaignArn } from "../campaigns/arn.js";
import { servedCampaign } from "../campaigns/resolve.js";
import { ApiError, badRequest } from "../../shared/errors.js";
import type { Tenant } from "../../store/types.js";

export const resourceNotFound = (message: string) => new ApiError("ResourceNotFoundException", 404, message);

/** Personalize answers a campaign that is not ACTIVE with ResourceNotFoundException; so does pinrec for one whose model cannot be loaded. */
const campaignUnavailable = (arn: string) =>
  resourceNotFound(
    `Resource ${arn} is not active: its model file failed its integrity check or is missing. Retrain the campaign (pinrec campaigns retrain).`,
  );

/** Resolves a campaign ARN for the calling tenant, as Personalize's runtime API reports a bad or unknown one. */
export async function campaignFor(registry: CampaignRegistry, tenant: Tenant, arn: unknown): Promise<LoadedCampaign> {
  if (typeof arn !== "string" || arn.length > 256) throw badRequest("campaignArn must be a campaign ARN of at most 256 characters");
  if (!parseCampaignArn(arn)) throw badRequest(`campaignArn '${arn}' is not a valid campaign ARN`);
  const loaded = await servedCampaign(registry, tenant, arn).catch((err) => {
    // Not the client's fault, but not a crash either: the campaign exists without a usable model.
    if (err instanceof CampaignUnavailableError) throw campaignUnavailable(arn);
    throw err;
  });
  if (!loaded) throw resourceNotFound(`Resource ${arn} does not exist.`);
  return loaded;
}
