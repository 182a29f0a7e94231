/** The Events resource (`POST /v1/apps/{application-id}/events`, PutEvents). */
import type { PutEventsRequest } from "@aws-sdk/client-pinpoint";
import type { EventService } from "../events/service.js";
import { handlersOf, type Handler } from "../../protocol/handler.js";

export function eventHandlers(service: EventService): Record<string, Handler> {
  return handlersOf<{
    PutEvents: PutEventsRequest;
  }>({
    PutEvents: async ({ tenant, input, requestId, log }) => ({
      body: await service.putEvents(tenant, input.ApplicationId, input.EventsRequest, requestId, log),
    }),
  });
}
