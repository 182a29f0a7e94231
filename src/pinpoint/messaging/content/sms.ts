/** SMS content: the SMSTemplate body under the request's SMSMessage. */
import type { EndpointSendConfiguration } from "@aws-sdk/client-pinpoint";
import { ChannelContent, type RenderedContent } from "./channel-content.js";

export class SmsContent extends ChannelContent {
  readonly channel = "SMS";

  messageSubstitutions(): (Record<string, string[]> | undefined)[] {
    return [this.direct.DefaultMessage?.Substitutions, this.direct.SMSMessage?.Substitutions];
  }

  hasContent(): boolean {
    const d = this.direct;
    return Boolean(d.SMSMessage?.Body ?? this.tpl.Body ?? d.DefaultMessage?.Body);
  }

  renderFor(context: unknown, config: EndpointSendConfiguration): RenderedContent {
    const d = this.direct;
    const sms = d.SMSMessage;
    const body =
      config.RawContent ??
      (config.BodyOverride !== undefined
        ? this.render("BodyOverride", config.BodyOverride, context)
        : (this.pick("Body", sms?.Body, this.tpl.Body, context) ?? this.render("Body", d.DefaultMessage?.Body, context))) ??
      "";
    return {
      sms: {
        body,
        ...(sms?.MessageType !== undefined && { messageType: sms.MessageType }),
        ...(sms?.OriginationNumber !== undefined && { originationNumber: sms.OriginationNumber }),
        ...(sms?.SenderId !== undefined && { senderId: sms.SenderId }),
        ...(sms?.Keyword !== undefined && { keyword: sms.Keyword }),
      },
    };
  }
}
