/** SendMessages and SendUsersMessages (`/v1/apps/{application-id}/messages` and `/users-messages`). */
import type { SendMessagesRequest, SendUsersMessagesRequest } from "@aws-sdk/client-pinpoint";
import type { MessageService } from "../messaging/send.js";
import { handlersOf, type Handler } from "../../protocol/handler.js";

export function messageHandlers(service: MessageService): Record<string, Handler> {
  return handlersOf<{
    SendMessages: SendMessagesRequest;
    SendUsersMessages: SendUsersMessagesRequest;
  }>({
    SendMessages: async ({ tenant, input, requestId }) => ({
      body: await service.sendMessages(tenant, input.ApplicationId, input.MessageRequest, requestId),
    }),
    SendUsersMessages: async ({ tenant, input, requestId }) => ({
      body: await service.sendUsersMessages(tenant, input.ApplicationId, input.SendUsersMessageRequest, requestId),
    }),
  });
}
