/** SendMessages and SendUsersMessages (`/v1/apps/{application-id}/messages` and `/users-messages`). */
import type { SendMessagesRequest, SendUsersMessagesRequest } from "@aws-sdk/client-pinpoint";
import type { MessageService } from "../messaging/send.js";
import { typedHandler, type Handler } from "../protocol/handler.js";

export function messageHandlers(service: MessageService): Record<string, Handler> {
  return {
    SendMessages: typedHandler<SendMessagesRequest>(async ({ tenant, input, requestId }) => ({
      body: await service.sendMessages(tenant, input.ApplicationId!, input.MessageRequest!, requestId),
    })),
    SendUsersMessages: typedHandler<SendUsersMessagesRequest>(async ({ tenant, input, requestId }) => ({
      body: await service.sendUsersMessages(tenant, input.ApplicationId!, input.SendUsersMessageRequest!, requestId),
    })),
  };
}
