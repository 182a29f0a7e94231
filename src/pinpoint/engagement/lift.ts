/**
 * Lift: per campaign and treatment, what its messages earned (`pinrec campaigns report`): sent,
 * delivered, opened (distinct messages), clicks, clicks on recommended items, and the holdout
 * (`HoldoutPercent`) endpoints each run kept back, from the activities' `HoldoutEndpointCount`.
 * Counted by the database over the retained engagement events.
 */
import type { Store, Tenant } from "../../store/types.js";

export interface TreatmentLift {
  campaignId: string;
  treatmentId: string;
  sent: number;
  delivered: number;
  /** Distinct messages opened. */
  opened: number;
  clicks: number;
  clicksOnRecommendedItems: number;
  openRate?: number;
  clickRate?: number;
}

export interface CampaignLift {
  campaignId: string;
  treatments: TreatmentLift[];
  /** Endpoints of the segment that runs held out (sent nothing), across the campaign's activities. */
  holdoutEndpoints: number;
}

export async function liftReport(
  store: Store,
  tenant: Tenant,
  appId: string,
  range: { from: number; to: number },
  campaignId?: string,
): Promise<CampaignLift[]> {
  const q = { ...range, origin: "campaign" as const, groupBy: "campaign_treatment" as const, ...(campaignId && { campaignId }) };
  const [counts, opens, recommended] = await Promise.all([
    store.engagement.count(tenant, appId, { ...q, eventTypes: ["_campaign.send", "_email.delivered", "_sms.success", "_email.click"] }),
    store.engagement.count(tenant, appId, { ...q, eventTypes: ["_email.open"], distinct: "message" }),
    store.engagement.count(tenant, appId, { ...q, eventTypes: ["_email.click"], recommendedOnly: true }),
  ]);
  const rows = new Map<string, TreatmentLift>();
  const row = (group: string) => {
    let r = rows.get(group);
    if (!r) {
      const [cid, tid] = group.split("/");
      r = { campaignId: cid, treatmentId: tid, sent: 0, delivered: 0, opened: 0, clicks: 0, clicksOnRecommendedItems: 0 };
      rows.set(group, r);
    }
    return r;
  };
  for (const c of counts) {
    const r = row(c.group);
    if (c.eventType === "_campaign.send") r.sent += c.count;
    else if (c.eventType === "_email.click") r.clicks += c.count;
    else r.delivered += c.count;
  }
  for (const c of opens) row(c.group).opened += c.distinct;
  for (const c of recommended) row(c.group).clicksOnRecommendedItems += c.count;
  const byCampaign = new Map<string, CampaignLift>();
  for (const r of [...rows.values()].sort((a, b) => `${a.campaignId}/${a.treatmentId}`.localeCompare(`${b.campaignId}/${b.treatmentId}`))) {
    if (r.delivered > 0) {
      r.openRate = r.opened / r.delivered;
      r.clickRate = r.clicks / r.delivered;
    }
    let c = byCampaign.get(r.campaignId);
    if (!c) {
      c = { campaignId: r.campaignId, treatments: [], holdoutEndpoints: 0 };
      byCampaign.set(r.campaignId, c);
    }
    c.treatments.push(r);
  }
  for (const c of byCampaign.values()) {
    const page = await store.pinpointCampaigns.activities(tenant, appId, c.campaignId, 0, 1000);
    for (const a of page.items) c.holdoutEndpoints += Number(a.ExecutionMetrics?.HoldoutEndpointCount ?? 0);
  }
  return [...byCampaign.values()];
}
