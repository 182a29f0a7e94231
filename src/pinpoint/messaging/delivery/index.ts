/**
 * Delivery, assembled: the outbox sender the send pipeline calls and, when a transport is
 * configured, the drainer that hands queued messages to SMTP (email) or the webhook (SMS, push).
 * Without a transport for its channel, a message stays in the outbox, delivered there.
 */
import type { MessageSender } from "../contracts.js";
import type { OutboxRepository } from "../../../store/outbox.js";
import { OutboxDrainer, type DrainerOptions } from "./drainer.js";
import { OutboxReader } from "./outbox-reader.js";
import { OutboxSender } from "./outbox-sender.js";
import { SmtpTransport } from "./smtp.js";
import type { ChannelTransport } from "./transport.js";
import { WebhookTransport } from "./webhook.js";
import type { DeliveryHooks } from "./hooks.js";
import { DEFAULT_OUTBOX_QUOTA, OutboxQuota } from "./outbox-quota.js";
import { PushTransport, type PushStores } from "./push/transport.js";

/** Built-in push delivery: FCM HTTP v1 and APNs with each app's channel credentials. */
export interface PushDeliveryOptions {
  /** Another base for FCM's `/v1/projects/…/messages:send` (default https://fcm.googleapis.com). */
  fcmEndpoint?: string;
  /** Where FCM access tokens come from (default https://oauth2.googleapis.com/token). */
  fcmTokenEndpoint?: string;
  /** Another base for APNs (default api.push.apple.com / api.sandbox.push.apple.com); `http://` = HTTP/2 without TLS. */
  apnsEndpoint?: string;
  /** PEM CA certificates to trust for the APNs endpoint. */
  apnsCa?: string;
  /** How long one platform request may take (default 30 s). */
  timeoutMs?: number;
}

export interface DeliveryOptions extends DrainerOptions {
  /** `smtp://[user:pass@]host:port` or `smtps://…`: email goes out through this server. */
  smtpUrl?: string;
  /** SMS and push messages are POSTed here as signed JSON. */
  webhookUrl?: string;
  /** The webhook's HMAC-SHA256 signing secret (required with `webhookUrl`). */
  webhookSecret?: string;
  /** How long a webhook POST may take before it counts as a transient failure (default 30 s). */
  webhookTimeoutMs?: number;
  /** How long a silent SMTP connection may stall a send before it counts as a transient failure (default 30 s). */
  smtpTimeoutMs?: number;
  /** Told about every message stored and every attempt's answer (engagement events). */
  hooks?: DeliveryHooks;
  /** Messages waiting for delivery one account and region may have (default DEFAULT_OUTBOX_QUOTA); past it, sends answer 429. */
  outboxQuota?: number;
  /** Deliver push messages to FCM and APNs (BAIDU and ADM go to the webhook, if any). Needs `pushStores`. */
  push?: PushDeliveryOptions;
  /** Where the push transport reads channel credentials and marks endpoints inactive. */
  pushStores?: PushStores;
}

export class Delivery {
  /** What SendMessages / SendUsersMessages (and campaigns) hand rendered messages to. */
  readonly sender: MessageSender;
  readonly drainer: OutboxDrainer;
  /** Listing and reading stored messages (CLI and HTTP). */
  readonly outbox: OutboxReader;

  constructor(outbox: OutboxRepository, options: DeliveryOptions = {}) {
    const transports: ChannelTransport[] = [];
    if (options.smtpUrl) transports.push(new SmtpTransport(options.smtpUrl, { socketTimeoutMs: options.smtpTimeoutMs }));
    if (options.webhookUrl) {
      if (!options.webhookSecret)
        throw new Error("--webhook-url needs a signing secret: pass --webhook-secret or set PINREC_WEBHOOK_SECRET");
      transports.push(new WebhookTransport(options.webhookUrl, options.webhookSecret, options.webhookTimeoutMs));
    }
    if (options.push && options.pushStores) {
      const p = options.push;
      // Registered last: it takes PUSH over the webhook, and hands it what it does not send itself.
      transports.push(
        new PushTransport(options.pushStores, {
          fcm: { endpoint: p.fcmEndpoint, tokenEndpoint: p.fcmTokenEndpoint, timeoutMs: p.timeoutMs },
          apns: { endpoint: p.apnsEndpoint, ca: p.apnsCa, timeoutMs: p.timeoutMs },
          fallback: transports.find((t) => t.name === "webhook"),
          onDeactivated: (_tenant, appId, endpointId, reason) =>
            options.log?.info({ appId, endpointId, reason }, "push: the platform refused the token; endpoint made inactive"),
        }),
      );
    }
    this.drainer = new OutboxDrainer(outbox, transports, options);
    this.outbox = new OutboxReader(outbox);
    this.sender = new OutboxSender(
      outbox,
      [...new Set(transports.flatMap((t) => t.channels))],
      () => this.drainer.wake(),
      Date.now,
      options.hooks,
      new OutboxQuota(outbox, options.outboxQuota ?? DEFAULT_OUTBOX_QUOTA),
    );
  }

  start(): void {
    this.drainer.start();
  }

  /** Stops taking work and lets sends in flight finish, for at most `boundMs`. */
  async stop(boundMs?: number): Promise<void> {
    await this.drainer.stop(boundMs);
  }
}
