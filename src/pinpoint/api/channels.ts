/** The Email Channel, SMS Channel and Channels resources (`/v1/apps/{id}/channels…`). */
import type {
  ChannelsResponse,
  DeleteEmailChannelRequest,
  DeleteSmsChannelRequest,
  EmailChannelResponse,
  GetChannelsRequest,
  GetEmailChannelRequest,
  GetSmsChannelRequest,
  SMSChannelResponse,
  UpdateEmailChannelRequest,
  UpdateSmsChannelRequest,
} from "@aws-sdk/client-pinpoint";
import type { ChannelService } from "../channels/service.js";
import { handlersOf, type Handler } from "../../protocol/handler.js";

export function channelHandlers(service: ChannelService): Record<string, Handler> {
  return handlersOf<{
    GetEmailChannel: GetEmailChannelRequest;
    UpdateEmailChannel: UpdateEmailChannelRequest;
    DeleteEmailChannel: DeleteEmailChannelRequest;
    GetSmsChannel: GetSmsChannelRequest;
    UpdateSmsChannel: UpdateSmsChannelRequest;
    DeleteSmsChannel: DeleteSmsChannelRequest;
    GetChannels: GetChannelsRequest;
  }>({
    async GetEmailChannel({ tenant, input }) {
      return { body: await service.getEmail(tenant, input.ApplicationId) };
    },
    async UpdateEmailChannel({ tenant, input }) {
      return { body: await service.updateEmail(tenant, input.ApplicationId, input.EmailChannelRequest) };
    },
    async DeleteEmailChannel({ tenant, input }) {
      return { body: await service.delete<EmailChannelResponse>(tenant, input.ApplicationId, "EMAIL") };
    },
    async GetSmsChannel({ tenant, input }) {
      return { body: await service.getSms(tenant, input.ApplicationId) };
    },
    async UpdateSmsChannel({ tenant, input }) {
      return { body: await service.updateSms(tenant, input.ApplicationId, input.SMSChannelRequest) };
    },
    async DeleteSmsChannel({ tenant, input }) {
      return { body: await service.delete<SMSChannelResponse>(tenant, input.ApplicationId, "SMS") };
    },
    async GetChannels({ tenant, input }) {
      const body: ChannelsResponse = { Channels: await service.all(tenant, input.ApplicationId) };
      return { body };
    },
  });
}
