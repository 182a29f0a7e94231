/**
 * Which campaign a Personalize campaign ARN names, for one tenant. The one place that decides
 * whether this pinrec serves an ARN: the Personalize runtime API answers from it, and the send
 * pipeline uses it to score in-process instead of calling Amazon Personalize.
 */
import type { Tenant } from "../../store/types.js";
import { parseCampaignArn } from "./arn.js";
import type { CampaignRegistry, LoadedCampaign } from "./registry.js";

/**
 * The tenant's loaded campaign for `arn`; undefined when the ARN is not a campaign ARN, names
 * another account or region (another tenant's campaign does not exist for this one), or names no
 * campaign of this pinrec.
 */
export async function servedCampaign(registry: CampaignRegistry, tenant: Tenant, arn: string): Promise<LoadedCampaign | undefined> {
  const parsed = parseCampaignArn(arn);
  if (!parsed) return undefined;
  const own = parsed.tenant.accountId === tenant.accountId && parsed.tenant.region === tenant.region;
  return own ? registry.get(tenant, parsed.name) : undefined;
}
