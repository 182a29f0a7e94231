/** Email content: EmailTemplate parts under the request's EmailMessage (SimpleEmail, RawEmail, Body). */
import type { EndpointSendConfiguration, MessageHeader } from "@aws-sdk/client-pinpoint";
import { ChannelContent, type RenderedContent } from "./channel-content.js";

export class EmailContent extends ChannelContent {
  readonly channel = "EMAIL";

  messageSubstitutions(): (Record<string, string[]> | undefined)[] {
    return [this.direct.DefaultMessage?.Substitutions, this.direct.EmailMessage?.Substitutions];
  }

  hasContent(): boolean {
    const d = this.direct;
    const t = this.tpl;
    const se = d.EmailMessage?.SimpleEmail;
    return Boolean(
      se?.Subject?.Data ??
        se?.HtmlPart?.Data ??
        se?.TextPart?.Data ??
        d.EmailMessage?.RawEmail?.Data ??
        d.EmailMessage?.Body ??
        t.Subject ??
        t.HtmlPart ??
        t.TextPart ??
        d.DefaultMessage?.Body,
    );
  }

  renderFor(context: unknown, config: EndpointSendConfiguration): RenderedContent {
    const d = this.direct;
    const t = this.tpl;
    const em = d.EmailMessage;
    const se = em?.SimpleEmail;
    if (config.RawContent !== undefined)
      return { email: { fromAddress: em?.FromAddress, replyTo: em?.ReplyToAddresses, raw: config.RawContent } };
    const raw = em?.RawEmail?.Data as unknown;
    if (typeof raw === "string" && raw !== "") {
      return { email: { fromAddress: em?.FromAddress, replyTo: em?.ReplyToAddresses, raw: Buffer.from(raw, "base64").toString("utf8") } };
    }
    const subject =
      config.TitleOverride !== undefined
        ? this.render("TitleOverride", config.TitleOverride, context)
        : this.pick("Subject", se?.Subject?.Data, t.Subject, context);
    let html: string | undefined;
    let text: string | undefined;
    if (config.BodyOverride !== undefined) {
      html = this.render("BodyOverride", config.BodyOverride, context, true);
      text = this.render("BodyOverride", config.BodyOverride, context);
    } else {
      html = this.pick("HtmlPart", se?.HtmlPart?.Data, t.HtmlPart, context, true);
      text = this.pick("TextPart", se?.TextPart?.Data, t.TextPart, context);
      if (html === undefined && text === undefined) text = this.render("Body", em?.Body ?? d.DefaultMessage?.Body, context);
    }
    const headerSource = se?.Headers ?? (t.Headers as MessageHeader[] | undefined) ?? [];
    const headers = headerSource.map((h, i) => ({
      name: h.Name ?? "",
      value: this.pick(`Headers[${i}]`, se?.Headers ? h.Value : undefined, se?.Headers ? undefined : h.Value, context) ?? "",
    }));
    return {
      email: {
        ...(em?.FromAddress !== undefined && { fromAddress: em.FromAddress }),
        ...(em?.ReplyToAddresses !== undefined && { replyTo: em.ReplyToAddresses }),
        ...(subject !== undefined && { subject }),
        ...(html !== undefined && { html }),
        ...(text !== undefined && { text }),
        ...(headers.length > 0 && { headers }),
      },
    };
  }
}
