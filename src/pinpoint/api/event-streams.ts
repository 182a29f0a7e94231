/** The Event Stream resource (`/v1/apps/{application-id}/eventstream`): Put, Get, Delete. */
import type { DeleteEventStreamRequest, GetEventStreamRequest, PutEventStreamRequest } from "@aws-sdk/client-pinpoint";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import type { EventStreamService } from "../engagement/event-streams.js";

export function eventStreamHandlers(service: EventStreamService): Record<string, Handler> {
  return handlersOf<{
    PutEventStream: PutEventStreamRequest;
    GetEventStream: GetEventStreamRequest;
    DeleteEventStream: DeleteEventStreamRequest;
  }>({
    PutEventStream: async ({ tenant, input }) => ({ body: await service.put(tenant, input.ApplicationId, input.WriteEventStream) }),
    GetEventStream: async ({ tenant, input }) => ({ body: await service.get(tenant, input.ApplicationId) }),
    DeleteEventStream: async ({ tenant, input }) => ({ body: await service.delete(tenant, input.ApplicationId) }),
  });
}
