/** Personalize campaign ARNs and names, as Personalize defines them. */
import type { Tenant } from "../../store/types.js";

export const CAMPAIGN_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
const CAMPAIGN_ARN = /^arn:(aws[a-z-]*):personalize:([a-z0-9-]+):(\d{12}):campaign\/([a-zA-Z0-9][a-zA-Z0-9_-]{0,62})$/;

export function campaignArn(t: Tenant, name: string): string {
  return `arn:aws:personalize:${t.region}:${t.accountId}:campaign/${name}`;
}

export function parseCampaignArn(arn: string): { tenant: Tenant; name: string } | undefined {
  const m = CAMPAIGN_ARN.exec(arn);
  return m ? { tenant: { accountId: m[3], region: m[2] }, name: m[4] } : undefined;
}
