/**
 * The push transport: one outbox channel (PUSH), one sender per platform. Each message goes to the
 * platform of its endpoint's ChannelType with the credentials of that app's channel, read (and
 * decrypted) per message so an UpdateGcmChannel takes effect on the next send:
 *
 * - GCM → FCM HTTP v1 with the channel's service account (fcm.ts)
 * - APNS, APNS_SANDBOX, APNS_VOIP, APNS_VOIP_SANDBOX → APNs over HTTP/2 (apns.ts)
 * - BAIDU, ADM → the webhook when one is configured, else kept failing with the reason
 *
 * A platform reporting the token unregistered or invalid makes the endpoint INACTIVE (if it still
 * has that token), as Amazon Pinpoint does, and the message fails permanently.
 */
import type { ChannelResponse, GCMChannelResponse } from "@aws-sdk/client-pinpoint";
import type { ChannelRepository } from "../../../../store/channels.js";
import { endpointKey, type EndpointRepository } from "../../../../store/endpoints.js";
import type { Tenant } from "../../../../store/types.js";
import { APNS_CHANNEL_TYPES, type ApnsChannelType, type ApnsSecrets, type GcmSecrets } from "../../../channels/push.js";
import { parseServiceJson } from "../../../channels/push-credentials.js";
import { DeliveryError, type ChannelTransport, type OutboxMessage } from "../transport.js";
import { ApnsSender, type ApnsOptions } from "./apns.js";
import { FcmSender, type FcmOptions } from "./fcm.js";
import { PushRejected } from "./outcome.js";

export interface PushStores {
  channels: Pick<ChannelRepository, "get" | "getSecrets">;
  endpoints: Pick<EndpointRepository, "write">;
}

export interface PushTransportOptions {
  fcm?: FcmOptions;
  apns?: ApnsOptions;
  /** Where BAIDU and ADM messages go (the signed webhook), if anywhere. */
  fallback?: ChannelTransport;
  /** Told when an endpoint was made inactive. */
  onDeactivated?: (tenant: Tenant, appId: string, endpointId: string, reason: string) => void;
}

export class PushTransport implements ChannelTransport {
  readonly name = "push";
  readonly channels = ["PUSH"] as const;
  private readonly fcm: FcmSender;
  private readonly apns: ApnsSender;

  constructor(
    private readonly stores: PushStores,
    private readonly options: PushTransportOptions = {},
  ) {
    this.fcm = new FcmSender(options.fcm);
    this.apns = new ApnsSender(options.apns);
  }

  private async channel<T extends ChannelResponse>(m: OutboxMessage, type: string): Promise<T> {
    const doc = await this.stores.channels.get<T>(m.tenant!, m.message.applicationId, type);
    // Not configured or disabled now: a later UpdateXChannel may fix it, so retry (within attempts).
    if (!doc) throw new DeliveryError(`the ${type} channel of application '${m.message.applicationId}' is not configured`, false);
    if (!doc.Enabled) throw new DeliveryError(`the ${type} channel of application '${m.message.applicationId}' is disabled`, false);
    return doc;
  }

  async send(m: OutboxMessage): Promise<void> {
    if (!m.tenant) throw new DeliveryError("a push message needs its tenant", true);
    const type = m.message.channelType ?? "";
    try {
      if (type === "GCM") {
        await this.channel<GCMChannelResponse>(m, type);
        const secrets = await this.stores.channels.getSecrets<GcmSecrets>(m.tenant, m.message.applicationId, type);
        if (!secrets?.ServiceJson)
          throw new DeliveryError(
            "the GCM channel has only a legacy ApiKey: Google shut the legacy FCM API down in 2024; give the channel a ServiceJson",
            true,
          );
        await this.fcm.send(parseServiceJson(secrets.ServiceJson), m);
        return;
      }
      if ((APNS_CHANNEL_TYPES as readonly string[]).includes(type)) {
        const doc = await this.channel<ChannelResponse & { DefaultAuthenticationMethod?: string }>(m, type);
        const secrets = await this.stores.channels.getSecrets<ApnsSecrets>(m.tenant, m.message.applicationId, type);
        await this.apns.send(type as ApnsChannelType, secrets ?? {}, doc.DefaultAuthenticationMethod, m);
        return;
      }
    } catch (err) {
      if (err instanceof PushRejected && err.tokenGone) await this.deactivate(m, err.message);
      throw err;
    }
    if (this.options.fallback) return this.options.fallback.send(m);
    throw new DeliveryError(
      `push delivery to ${type || "an endpoint without a ChannelType"} is not built in; configure --webhook-url`,
      true,
    );
  }

  private async deactivate(m: OutboxMessage, reason: string): Promise<void> {
    const id = m.message.endpointId;
    if (!id) return;
    const token = m.message.address;
    await this.stores.endpoints.write(m.tenant!, m.message.applicationId, {
      ids: [id],
      merge: (existing) => {
        const doc = existing.get(endpointKey(id));
        // Only while it still holds the token the platform refused (it may have been updated since).
        return doc && doc.Address === token && doc.EndpointStatus !== "INACTIVE" ? [{ ...doc, EndpointStatus: "INACTIVE" }] : [];
      },
      settle: () => [],
    });
    this.options.onDeactivated?.(m.tenant!, m.message.applicationId, id, reason);
  }

  async close(): Promise<void> {
    await this.apns.close();
  }
}
