/**
 * The seams between the parts of Pinpoint campaigns, so each can be built and tested alone:
 *
 * - `CampaignSource`: campaign definitions as CreateCampaign / UpdateCampaign stored them (the
 *   campaign service, over the `message_campaigns` tables).
 * - `CampaignRunner`: turns a campaign run into durable batches of recipients and sends them
 *   through the messaging pipeline (the scheduler and batch workers).
 * - `EventCampaignTrigger`: PutEvents hands each accepted event to it; it starts the runs of the
 *   app's `EVENT` campaigns whose `EventFilter` matches.
 *
 * Shapes are the Pinpoint REST API's own (`CampaignResponse`, `ActivityResponse`, `Event`), as
 * modelled by `@aws-sdk/client-pinpoint`.
 */
import type { CampaignResponse, Event } from "@aws-sdk/client-pinpoint";
import type { Tenant } from "../../store/types.js";

export interface CampaignSource {
  /** The latest version, or the given one; undefined when the campaign (or version) does not exist. */
  get(tenant: Tenant, appId: string, campaignId: string, version?: number): Promise<CampaignResponse | undefined>;
  /** The app's campaigns whose `Schedule.Frequency` is `EVENT` and that are not paused (latest versions). */
  eventCampaigns(tenant: Tenant, appId: string): Promise<CampaignResponse[]>;
}

export interface CampaignRunner {
  /**
   * Starts one run of `campaign` for just these endpoints (an `EVENT` campaign fired by PutEvents).
   * `runKey` names the run: a second call with the same key starts nothing. Resolves once the
   * activity and its batches are stored durably, not when the messages are sent.
   */
  runForEndpoints(
    tenant: Tenant,
    appId: string,
    campaign: CampaignResponse,
    endpointIds: string[],
    runKey: string,
    scheduledTime: string,
  ): Promise<void>;
  /** Stops this process's scheduler and batch workers; unfinished batches return to the others after their lease. */
  close(): Promise<void>;
}

/** One event of a PutEvents call, with the endpoint it was reported for. */
export interface EndpointEvent {
  endpointId: string;
  /** The event's key in the request's `Events` map (the event id). */
  eventId: string;
  event: Event;
}

export interface EventCampaignTrigger {
  /** Called after PutEvents accepted the events (and applied the endpoint updates of the same call). */
  onEvents(tenant: Tenant, appId: string, events: EndpointEvent[]): Promise<void>;
}
