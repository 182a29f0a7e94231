/**
 * What a recipient's message is made of, one class per channel (email.ts, sms.ts, push.ts): the
 * template's parts (EmailTemplate, SMSTemplate, PushTemplate of `TemplateConfiguration`) with the
 * request's own `MessageConfiguration` content taking precedence part by part, then the recipient's
 * `TitleOverride` / `BodyOverride` / `RawContent`. Every text part is a Handlebars template rendered
 * over the recipient's context; only email HTML is HTML-escaped. This file holds what the channels
 * share: the base class and its rendering, and the types the pipeline names.
 */
import type { DirectMessageConfiguration, EndpointSendConfiguration } from "@aws-sdk/client-pinpoint";
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
  /** False when the template's `pinrec:tracking` tag is `off`: its email links and opens are not tracked. */
  tracking?: boolean;
}

export type RenderedContent = Pick<RenderedMessage, "email" | "sms" | "push">;

/** One channel's content for a request: its template (if any) and the request's own message. */
export abstract class ChannelContent {
  abstract readonly channel: SendChannel;

  constructor(
    readonly template: LoadedTemplate | undefined,
    protected readonly direct: DirectMessageConfiguration,
    private readonly cache: CompiledTemplateCache,
  ) {}

  protected get tpl(): Record<string, unknown> {
    return this.template?.content ?? {};
  }

  /** Message-level Substitutions, lowest precedence first: DefaultMessage, then the channel's own message. */
  abstract messageSubstitutions(platform?: PushPlatform): (Record<string, string[]> | undefined)[];

  /** True when the request or template gives this channel something to send. */
  abstract hasContent(platform?: PushPlatform): boolean;

  abstract renderFor(context: unknown, config: EndpointSendConfiguration, platform?: PushPlatform): RenderedContent;

  /** Renders one text: template parts are cached per template version, request texts by their own text. */
  protected render(part: string, text: string | undefined, context: unknown, escapeHtml = false, fromTemplate = false): string | undefined {
    if (text === undefined) return undefined;
    const key = fromTemplate && this.template ? `${this.template.cacheKey}\u0000${part}` : `direct\u0000${text}`;
    return this.cache.get(key, text, { escapeHtml })(context);
  }

  /** Request text wins over the template's part; both are rendered the same way. */
  protected pick(
    part: string,
    direct: string | undefined,
    templateText: unknown,
    context: unknown,
    escapeHtml = false,
  ): string | undefined {
    if (direct !== undefined) return this.render(part, direct, context, escapeHtml);
    return this.render(part, templateText as string | undefined, context, escapeHtml, true);
  }
}
