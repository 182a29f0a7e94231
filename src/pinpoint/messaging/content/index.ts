/** A request's content per channel: one `ChannelContent` subclass per channel pinrec sends. */
import type { DirectMessageConfiguration } from "@aws-sdk/client-pinpoint";
import type { CompiledTemplateCache } from "../../templates/handlebars.js";
import type { SendChannel } from "../contracts.js";
import type { ChannelContent, LoadedTemplate } from "./channel-content.js";
import { EmailContent } from "./email.js";
import { PushContent } from "./push.js";
import { SmsContent } from "./sms.js";

const CHANNELS: Record<
  SendChannel,
  new (
    template: LoadedTemplate | undefined,
    direct: DirectMessageConfiguration,
    cache: CompiledTemplateCache,
  ) => ChannelContent
> = {
  EMAIL: EmailContent,
  SMS: SmsContent,
  PUSH: PushContent,
};

export function channelContent(
  channel: SendChannel,
  template: LoadedTemplate | undefined,
  direct: DirectMessageConfiguration,
  cache: CompiledTemplateCache,
): ChannelContent {
  return new CHANNELS[channel](template, direct, cache);
}

export { ChannelContent, sendChannelOf, type LoadedTemplate, type PushPlatform, type RenderedContent } from "./channel-content.js";
