/**
 * What a recipient's message is made of, per channel: the template's parts (EmailTemplate,
 * SMSTemplate, PushTemplate of `TemplateConfiguration`) with the request's own
 * `MessageConfiguration` content taking precedence part by part, then the recipient's
 * `TitleOverride` / `BodyOverride` / `RawContent`. Every text part is a Handlebars template rendered
 * over the recipient's context; only email HTML is HTML-escaped.
 */
import type { DirectMessageConfiguration, EndpointSendConfiguration, MessageHeader } from "@aws-sdk/client-pinpoint";
import type { CompiledTemplateCache } from "../../templates/handlebars.js";
import type { RenderedMessage, SendChannel } from "../contracts.js";

/** The platform part of a push template / direct message that serves an endpoint's channel type. */
export type PushPlatform = "APNS" | "GCM" | "ADM" | "Baidu";

const PUSH_PLATFORMS: Record<string, PushPlatform> = {
  APNS: "APNS",
  APNS_SANDBOX: "APNS",
  APNS_VOIP: "APNS",
  APNS_VOIP_SANDBOX: "APNS",
  GCM: "GCM",
  ADM: "ADM",
  BAIDU: "Baidu",
};

/** The send channel of a Pinpoint ChannelType; undefined for channels pinrec does not send (VOICE, CUSTOM, IN_APP). */
export function sendChannelOf(channelType: string | undefined): { channel: SendChannel; platform?: PushPlatform } | undefined {
  if (channelType === "EMAIL") return { channel: "EMAIL" };
  if (channelType === "SMS") return { channel: "SMS" };
  const platform = channelType ? PUSH_PLATFORMS[channelType] : undefined;
  return platform ? { channel: "PUSH", platform } : undefined;
}

/** A stored template version, as a send uses it. */
export interface LoadedTemplate {
  name: string;
  version: number;
  /** Identifies this exact content (name, type, version, last edit) in the compiled-template cache. */
  cacheKey: string;
  content: Record<string, unknown>;
  /** Parsed DefaultSubstitutions: variable path → default value. */
  defaults: [string[], unknown][];
  recommenderId?: string;
}

type PushPart = { Action?: string; Body?: string; Title?: string; Url?: string; ImageUrl?: string; MediaUrl?: string; RawContent?: string };
const DIRECT_PUSH: Record<PushPlatform, "APNSMessage" | "GCMMessage" | "ADMMessage" | "BaiduMessage"> = {
  APNS: "APNSMessage",
  GCM: "GCMMessage",
  ADM: "ADMMessage",
  Baidu: "BaiduMessage",
};

export type RenderedContent = Pick<RenderedMessage, "email" | "sms" | "push">;

export class ChannelContent {
  constructor(
    readonly channel: SendChannel,
    readonly template: LoadedTemplate | undefined,
    private readonly direct: DirectMessageConfiguration,
    private readonly cache: CompiledTemplateCache,
  ) {}

  private get tpl(): Record<string, unknown> {
    return this.template?.content ?? {};
  }

  private pushSources(platform: PushPlatform | undefined): { direct?: PushPart & { Data?: Record<string, string> }; fallback?: PushPart & { Data?: Record<string, string> }; part?: PushPart; base?: PushPart } {
    const d = this.direct as Record<string, unknown>;
    return {
      direct: platform ? (d[DIRECT_PUSH[platform]] as PushPart | undefined) : undefined,
      fallback: this.direct.DefaultPushNotificationMessage as PushPart | undefined,
      part: platform ? (this.tpl[platform] as PushPart | undefined) : undefined,
      base: this.tpl.Default as PushPart | undefined,
    };
  }

  /** Message-level Substitutions, lowest precedence first: DefaultMessage, then the channel's own message. */
  messageSubstitutions(platform?: PushPlatform): (Record<string, string[]> | undefined)[] {
    const d = this.direct;
    if (this.channel === "EMAIL") return [d.DefaultMessage?.Substitutions, d.EmailMessage?.Substitutions];
    if (this.channel === "SMS") return [d.DefaultMessage?.Substitutions, d.SMSMessage?.Substitutions];
    const s = this.pushSources(platform);
    return [d.DefaultMessage?.Substitutions, d.DefaultPushNotificationMessage?.Substitutions, (s.direct as { Substitutions?: Record<string, string[]> } | undefined)?.Substitutions];
  }

  /** True when the request or template gives this channel something to send. */
  hasContent(platform?: PushPlatform): boolean {
    const d = this.direct;
    const t = this.tpl;
    if (this.channel === "EMAIL") {
      const se = d.EmailMessage?.SimpleEmail;
      return Boolean(se?.Subject?.Data ?? se?.HtmlPart?.Data ?? se?.TextPart?.Data ?? d.EmailMessage?.RawEmail?.Data ?? d.EmailMessage?.Body ?? t.Subject ?? t.HtmlPart ?? t.TextPart ?? d.DefaultMessage?.Body);
    }
    if (this.channel === "SMS") return Boolean(d.SMSMessage?.Body ?? t.Body ?? d.DefaultMessage?.Body);
    const s = this.pushSources(platform);
    return Boolean(s.direct?.Body ?? s.direct?.Title ?? s.direct?.RawContent ?? s.fallback?.Body ?? s.fallback?.Title ?? s.part?.Body ?? s.part?.Title ?? s.part?.RawContent ?? s.base?.Body ?? s.base?.Title ?? d.DefaultMessage?.Body);
  }

  /** Renders one text: template parts are cached per template version, request texts by their own text. */
  private render(part: string, text: string | undefined, context: unknown, escapeHtml = false, fromTemplate = false): string | undefined {
    if (text === undefined) return undefined;
    const key = fromTemplate && this.template ? `${this.template.cacheKey}\u0000${part}` : `direct\u0000${text}`;
    return this.cache.get(key, text, { escapeHtml })(context);
  }

  /** Request text wins over the template's part; both are rendered the same way. */
  private pick(part: string, direct: string | undefined, templateText: unknown, context: unknown, escapeHtml = false): string | undefined {
    if (direct !== undefined) return this.render(part, direct, context, escapeHtml);
    return this.render(part, templateText as string | undefined, context, escapeHtml, true);
  }

  renderFor(context: unknown, config: EndpointSendConfiguration, platform?: PushPlatform): RenderedContent {
    const d = this.direct;
    const t = this.tpl;
    if (this.channel === "EMAIL") {
      const em = d.EmailMessage;
      const se = em?.SimpleEmail;
      if (config.RawContent !== undefined) return { email: { fromAddress: em?.FromAddress, replyTo: em?.ReplyToAddresses, raw: config.RawContent } };
      const raw = em?.RawEmail?.Data as unknown;
      if (typeof raw === "string" && raw !== "") {
        return { email: { fromAddress: em?.FromAddress, replyTo: em?.ReplyToAddresses, raw: Buffer.from(raw, "base64").toString("utf8") } };
      }
      const subject = config.TitleOverride !== undefined ? this.render("TitleOverride", config.TitleOverride, context) : this.pick("Subject", se?.Subject?.Data, t.Subject, context);
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
      const headerSource = (se?.Headers ?? (t.Headers as MessageHeader[] | undefined)) ?? [];
      const headers = headerSource.map((h, i) => ({ name: h.Name ?? "", value: this.pick(`Headers[${i}]`, se?.Headers ? h.Value : undefined, se?.Headers ? undefined : h.Value, context) ?? "" }));
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
    if (this.channel === "SMS") {
      const sms = d.SMSMessage;
      const body =
        config.RawContent ??
        (config.BodyOverride !== undefined ? this.render("BodyOverride", config.BodyOverride, context) : (this.pick("Body", sms?.Body, t.Body, context) ?? this.render("Body", d.DefaultMessage?.Body, context))) ??
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
    const s = this.pushSources(platform);
    const field = (name: keyof PushPart): string | undefined => s.direct?.[name] ?? s.fallback?.[name];
    const templateField = (name: keyof PushPart): string | undefined => s.part?.[name] ?? s.base?.[name];
    const raw = config.RawContent ?? s.direct?.RawContent;
    if (raw !== undefined) return { push: { raw } };
    const title = config.TitleOverride !== undefined ? this.render("TitleOverride", config.TitleOverride, context) : this.pick(`${platform}.Title`, field("Title"), templateField("Title"), context);
    const body =
      config.BodyOverride !== undefined
        ? this.render("BodyOverride", config.BodyOverride, context)
        : (this.pick(`${platform}.Body`, field("Body"), templateField("Body"), context) ?? this.render("Body", d.DefaultMessage?.Body, context));
    const templateRaw = s.direct || s.fallback ? undefined : s.part?.RawContent;
    if (templateRaw !== undefined && title === undefined && body === undefined) return { push: { raw: this.render(`${platform}.RawContent`, templateRaw, context, false, true) } };
    const action = field("Action") ?? templateField("Action");
    const url = this.pick(`${platform}.Url`, field("Url"), templateField("Url"), context);
    const imageUrl = this.pick(`${platform}.ImageUrl`, s.direct?.ImageUrl ?? s.direct?.MediaUrl, s.part?.ImageUrl ?? s.part?.MediaUrl ?? s.base?.ImageUrl, context);
    const data = s.direct?.Data ?? s.fallback?.Data;
    return {
      push: {
        ...(title !== undefined && { title }),
        ...(body !== undefined && { body }),
        ...(action !== undefined && { action }),
        ...(url !== undefined && { url }),
        ...(imageUrl !== undefined && { imageUrl }),
        ...(data !== undefined && { data }),
      },
    };
  }
}
