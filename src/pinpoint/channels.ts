/** The Email Channel, SMS Channel and Channels resources (`/v1/apps/{id}/channels…`). */
import type { ChannelsResponse, EmailChannelRequest, EmailChannelResponse, SMSChannelRequest, SMSChannelResponse } from "@aws-sdk/client-pinpoint";
import type { ChannelService } from "../channels/service.js";
import type { Handler } from "../protocol/handler.js";

export function channelHandlers(service: ChannelService): Record<string, Handler> {
  return {
    async GetEmailChannel({ tenant, input }) {
      return { body: await service.getEmail(tenant, input.ApplicationId as string) };
    },
    async UpdateEmailChannel({ tenant, input }) {
      return { body: await service.updateEmail(tenant, input.ApplicationId as string, input.EmailChannelRequest as EmailChannelRequest) };
    },
    async DeleteEmailChannel({ tenant, input }) {
      return { body: await service.delete<EmailChannelResponse>(tenant, input.ApplicationId as string, "EMAIL") };
    },
    async GetSmsChannel({ tenant, input }) {
      return { body: await service.getSms(tenant, input.ApplicationId as string) };
    },
    async UpdateSmsChannel({ tenant, input }) {
      return { body: await service.updateSms(tenant, input.ApplicationId as string, input.SMSChannelRequest as SMSChannelRequest) };
    },
    async DeleteSmsChannel({ tenant, input }) {
      return { body: await service.delete<SMSChannelResponse>(tenant, input.ApplicationId as string, "SMS") };
    },
    async GetChannels({ tenant, input }) {
      const body: ChannelsResponse = { Channels: await service.all(tenant, input.ApplicationId as string) };
      return { body };
    },
  };
}
