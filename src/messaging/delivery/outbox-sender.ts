/**
 * The `MessageSender` the send pipeline hands rendered messages to. Every message is written to
 * the outbox in one transaction before `accept` resolves, so a 200 from SendMessages means the
 * message is stored: with no transport for its channel it stays there (a mail catcher, like
 * Mailpit), otherwise it is queued and a drainer delivers it in the background.
 */
import type { DeliveryOutcome, MessageSender, RenderedMessage, SendChannel } from "../contracts.js";
import type { OutboxInsert, OutboxRepository } from "../../store/outbox.js";
import { newMessageId } from "./message-id.js";

/**
 * Pinpoint's answer for an accepted message (`EndpointMessageResult`): `SUCCESSFUL` means accepted
 * for delivery, `StatusCode` 200 and `StatusMessage` "MessageId: <id>" as the service returns them.
 */
export function acceptedOutcome(messageId: string): DeliveryOutcome {
  return { messageId, deliveryStatus: "SUCCESSFUL", statusCode: 200, statusMessage: `MessageId: ${messageId}` };
}

export class OutboxSender implements MessageSender {
  private readonly queued: ReadonlySet<SendChannel>;

  /**
   * @param queuedChannels channels that have a transport: their messages are queued for it.
   * @param onQueued called after messages were queued (wakes the drainer without waiting for its poll).
   */
  constructor(
    private readonly outbox: OutboxRepository,
    queuedChannels: Iterable<SendChannel> = [],
    private readonly onQueued: () => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.queued = new Set(queuedChannels);
  }

  async accept(messages: RenderedMessage[]): Promise<DeliveryOutcome[]> {
    if (messages.length === 0) return [];
    const now = this.now();
    const createdAt = new Date(now).toISOString();
    let anyQueued = false;
    const rows = messages.map((m): OutboxInsert => {
      const { tenant, ...message } = m;
      const queued = this.queued.has(m.channel);
      anyQueued ||= queued;
      return {
        tenant,
        messageId: newMessageId(),
        idempotencyKey: m.idempotencyKey,
        appId: m.applicationId,
        channel: m.channel,
        address: m.address,
        status: queued ? "QUEUED" : "STORED",
        createdAt,
        dueAt: now,
        doc: JSON.stringify(message),
      };
    });
    const stored = await this.outbox.insert(rows);
    if (anyQueued && stored.some((s) => s.inserted)) this.onQueued();
    return stored.map((s) => acceptedOutcome(s.messageId));
  }

  async close(): Promise<void> {}
}
