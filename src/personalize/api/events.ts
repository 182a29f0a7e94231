/** Amazon Personalize Events: PutEvents records interactions and folds them into the live model. */
import type { CampaignRegistry } from "../campaigns/registry.js";
import { eventsRecorded } from "../../observability/metrics.js";
import type { PutEventsRequest } from "@aws-sdk/client-personalize-events";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import { badRequest } from "../../shared/errors.js";
import { TIMESTAMP_RANGE, timestampMs } from "../../shared/timestamps.js";
import type { Store } from "../../store/types.js";
import { resourceNotFound } from "./campaigns.js";

const MAX_EVENTS = 10;

function sentAt(value: unknown, index: number): string {
  const ms = timestampMs(value);
  if (ms === undefined) throw badRequest(`eventList[${index}].sentAt must be a timestamp from ${TIMESTAMP_RANGE}`);
  return new Date(ms).toISOString();
}

export function eventHandlers(store: Store, registry: CampaignRegistry): Record<string, Handler> {
  return handlersOf<{ PutEvents: PutEventsRequest }>({
    async PutEvents({ tenant, input }) {
      const trackingId = input.trackingId;
      const found = await store.personalizeCampaigns.getByTrackingId(trackingId);
      if (!found || found.tenant.accountId !== tenant.accountId || found.tenant.region !== tenant.region) {
        throw resourceNotFound(`Event tracker ${trackingId} does not exist.`);
      }
      const list = input.eventList;
      if (list.length < 1 || list.length > MAX_EVENTS) throw badRequest(`eventList must hold 1 to ${MAX_EVENTS} events`);
      const userId = input.userId;
      if (userId !== undefined && (userId.length < 1 || userId.length > 256)) throw badRequest("userId must be 1 to 256 characters");
      const sessionId = input.sessionId;
      if (sessionId.length < 1 || sessionId.length > 256) throw badRequest("sessionId must be 1 to 256 characters");
      // Personalize attributes anonymous events to the session until a userId is known.
      const subject = userId ?? sessionId;
      const events = list.map((e, i) => {
        const eventType = e.eventType;
        if (eventType.length < 1 || eventType.length > 256) throw badRequest(`eventList[${i}].eventType must be 1 to 256 characters`);
        const itemId = e.itemId ?? null;
        if (itemId !== null && (itemId.length < 1 || itemId.length > 256))
          throw badRequest(`eventList[${i}].itemId must be 1 to 256 characters`);
        if (e.properties !== undefined) {
          try {
            JSON.parse(e.properties);
          } catch {
            throw badRequest(`eventList[${i}].properties must be a JSON string`);
          }
        }
        return { userId: subject, itemId, eventType, eventValue: e.eventValue ?? null, sentAt: sentAt(e.sentAt, i) };
      });
      await store.personalizeCampaigns.addEvents(found.tenant, found.campaign.name, events);
      eventsRecorded.inc(events.length);
      await registry.syncEvents(found.tenant, found.campaign.name);
      return { body: {} };
    },
  });
}
