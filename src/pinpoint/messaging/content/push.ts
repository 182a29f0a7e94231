/**
 * Push content: the PushTemplate's platform part (APNS, GCM, ADM, Baidu) over its Default part,
 * under the request's platform message (APNSMessage …) over DefaultPushNotificationMessage.
 */
import type { EndpointSendConfiguration } from "@aws-sdk/client-pinpoint";
import { ChannelContent, type PushPlatform, type RenderedContent } from "./channel-content.js";

type PushPart = {
  Action?: string;
  Body?: string;
  Title?: string;
  Url?: string;
  ImageUrl?: string;
  MediaUrl?: string;
  RawContent?: string;
  Sound?: string;
};
type DirectPushPart = PushPart & {
  Data?: Record<string, string>;
  Substitutions?: Record<string, string[]>;
  SilentPush?: boolean;
  TimeToLive?: number;
  Priority?: string;
  CollapseKey?: string;
  CollapseId?: string;
};

const DIRECT_PUSH: Record<PushPlatform, "APNSMessage" | "GCMMessage" | "ADMMessage" | "BaiduMessage"> = {
  APNS: "APNSMessage",
  GCM: "GCMMessage",
  ADM: "ADMMessage",
  Baidu: "BaiduMessage",
};

export class PushContent extends ChannelContent {
  readonly channel = "PUSH";

  private sources(platform: PushPlatform | undefined): {
    direct?: DirectPushPart;
    fallback?: DirectPushPart;
    part?: PushPart;
    base?: PushPart;
  } {
    const d = this.direct as Record<string, unknown>;
    return {
      direct: platform ? (d[DIRECT_PUSH[platform]] as DirectPushPart | undefined) : undefined,
      fallback: this.direct.DefaultPushNotificationMessage as DirectPushPart | undefined,
      part: platform ? (this.tpl[platform] as PushPart | undefined) : undefined,
      base: this.tpl.Default as PushPart | undefined,
    };
  }

  messageSubstitutions(platform?: PushPlatform): (Record<string, string[]> | undefined)[] {
    const d = this.direct;
    return [d.DefaultMessage?.Substitutions, d.DefaultPushNotificationMessage?.Substitutions, this.sources(platform).direct?.Substitutions];
  }

  hasContent(platform?: PushPlatform): boolean {
    const s = this.sources(platform);
    return Boolean(
      s.direct?.Body ??
        s.direct?.Title ??
        s.direct?.RawContent ??
        s.fallback?.Body ??
        s.fallback?.Title ??
        s.part?.Body ??
        s.part?.Title ??
        s.part?.RawContent ??
        s.base?.Body ??
        s.base?.Title ??
        this.direct.DefaultMessage?.Body,
    );
  }

  renderFor(context: unknown, config: EndpointSendConfiguration, platform?: PushPlatform): RenderedContent {
    const d = this.direct;
    const s = this.sources(platform);
    const field = (name: keyof PushPart): string | undefined => s.direct?.[name] ?? s.fallback?.[name];
    const templateField = (name: keyof PushPart): string | undefined => s.part?.[name] ?? s.base?.[name];
    const raw = config.RawContent ?? s.direct?.RawContent;
    if (raw !== undefined) return { push: { raw } };
    const title =
      config.TitleOverride !== undefined
        ? this.render("TitleOverride", config.TitleOverride, context)
        : this.pick(`${platform}.Title`, field("Title"), templateField("Title"), context);
    const body =
      config.BodyOverride !== undefined
        ? this.render("BodyOverride", config.BodyOverride, context)
        : (this.pick(`${platform}.Body`, field("Body"), templateField("Body"), context) ??
          this.render("Body", d.DefaultMessage?.Body, context));
    const templateRaw = s.direct || s.fallback ? undefined : s.part?.RawContent;
    if (templateRaw !== undefined && title === undefined && body === undefined)
      return { push: { raw: this.render(`${platform}.RawContent`, templateRaw, context, false, true) } };
    const action = field("Action") ?? templateField("Action");
    const url = this.pick(`${platform}.Url`, field("Url"), templateField("Url"), context);
    const imageUrl = this.pick(
      `${platform}.ImageUrl`,
      s.direct?.ImageUrl ?? s.direct?.MediaUrl,
      s.part?.ImageUrl ?? s.part?.MediaUrl ?? s.base?.ImageUrl,
      context,
    );
    const data = s.direct?.Data ?? s.fallback?.Data;
    const sound = field("Sound") ?? templateField("Sound");
    const silent = s.direct?.SilentPush ?? s.fallback?.SilentPush;
    const ttl = s.direct?.TimeToLive;
    const priority = s.direct?.Priority;
    const collapseId = s.direct?.CollapseKey ?? s.direct?.CollapseId;
    return {
      push: {
        ...(sound !== undefined && { sound }),
        ...(silent === true && { silent }),
        ...(ttl !== undefined && { ttlSeconds: ttl }),
        ...(priority !== undefined && { priority }),
        ...(collapseId !== undefined && { collapseId }),
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
