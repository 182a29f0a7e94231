/**
 * Starts `EVENT` campaigns from PutEvents: for each accepted event, the app's event campaigns
 * (`CampaignSource.eventCampaigns`) whose `Schedule.EventFilter` matches it and whose schedule window
 * (`StartTime` … `EndTime`) holds now each get one run for that event's endpoint
 * (`CampaignRunner.runForEndpoints`). The run key is derived from the campaign, the endpoint and
 * the event id, so a client that retries the same PutEvents call does not message anyone twice.
 */
import type { CampaignResponse } from "@aws-sdk/client-pinpoint";
import type { Tenant } from "../../store/types.js";
import type { CampaignRunner, CampaignSource, EndpointEvent, EventCampaignTrigger } from "./contracts.js";
import { eventFilterMatches } from "./event-filter.js";

/** The run key of the run one event starts for one campaign. */
export const eventRunKey = (campaignId: string, e: EndpointEvent): string => `event:${campaignId}:${e.endpointId}:${e.eventId}`;

/** Whether `now` lies in the campaign's schedule window (an IMMEDIATE or missing start is open). */
function inWindow(campaign: CampaignResponse, now: number): boolean {
  const { StartTime: start, EndTime: end } = campaign.Schedule ?? {};
  if (start !== undefined && start !== "IMMEDIATE" && !(Date.parse(start) <= now)) return false;
  return end === undefined || !(Date.parse(end) < now);
}

export class CampaignEventTrigger implements EventCampaignTrigger {
  constructor(
    private readonly source: CampaignSource,
    private readonly runner: CampaignRunner,
    private readonly now: () => number = Date.now,
  ) {}

  async onEvents(tenant: Tenant, appId: string, events: EndpointEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.now();
    const campaigns = (await this.source.eventCampaigns(tenant, appId)).filter((c) => !c.IsPaused && inWindow(c, now));
    const scheduledTime = new Date(now).toISOString();
    const starts: Promise<void>[] = [];
    for (const campaign of campaigns) {
      for (const e of events) {
        if (!eventFilterMatches(campaign.Schedule?.EventFilter, e.event)) continue;
        starts.push(this.runner.runForEndpoints(tenant, appId, campaign, [e.endpointId], eventRunKey(campaign.Id!, e), scheduledTime));
      }
    }
    // One run's failure must not keep the others from starting; the failures are reported after.
    const failed = (await Promise.allSettled(starts))
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => r.reason as unknown);
    if (failed.length === 1) throw failed[0];
    if (failed.length > 1) throw new AggregateError(failed, `${failed.length} event campaign runs could not be started`);
  }
}
