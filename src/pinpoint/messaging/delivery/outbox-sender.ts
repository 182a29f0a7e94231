/**
 * The `MessageSender` the send pipeline hands rendered messages to. Every message is written to
 * the outbox in one transaction before `accept` resolves, so a 200 from SendMessages means the
 * message is stored: with no transport for its channel it stays there (a mail catcher, like
 * Mailpit), otherwise it is queued and a drainer delivers it in the background.
 */
import type { DeliveryOutcome, MessageSender, RenderedMessage, SendChannel } from "../contracts.js";
import type { OutboxInsert, OutboxRepository } from "../../../store/outbox.js";
import { newMessageId } from "./message-id.js";
import type { DeliveryHooks } from "./hooks.js";
import type { OutboxQuota } from "./outbox-quota.js";

/**
 * Pinpoint's answer for an accepted message (`EndpointMessageResult`): `SUCCESSFUL` means accepted
 * for delivery, `StatusCode` 200 and `StatusMessage` "MessageId: <id>" as the service returns them.
 */
export function acceptedOutcome(messageId: string): DeliveryOutcome {
  return { messageId, deliveryStatus: "SUCCESSFUL", statusCode: 200, statusMessage: `MessageId: ${messageId}` };
}

/**
 * Group commit: batches accepted while an insert is in flight wait for it and are then written
 * together in one transaction, so concurrent sends share one durable commit (one fsync on SQLite)
 * instead of queueing for one each. Each caller still resolves only once its own rows are stored.
 */
interface PendingBatch {
  rows: OutboxInsert[];
  resolve(stored: { messageId: string; inserted: boolean }[]): void;
  reject(err: unknown): void;
}

export class OutboxSender implements MessageSender {
  private readonly queued: ReadonlySet<SendChannel>;
  private pending: PendingBatch[] = [];
  private writing = false;

  /**
   * @param queuedChannels channels that have a transport: their messages are queued for it.
   * @param onQueued called after messages were queued (wakes the drainer without waiting for its poll).
   */
  constructor(
    private readonly outbox: OutboxRepository,
    queuedChannels: Iterable<SendChannel> = [],
    private readonly onQueued: () => void = () => {},
    private readonly now: () => number = Date.now,
    private readonly hooks?: DeliveryHooks,
    /** Messages an account may have waiting for delivery; none: no limit. */
    private readonly quota?: OutboxQuota,
  ) {
    this.queued = new Set(queuedChannels);
  }

  async accept(messages: RenderedMessage[]): Promise<DeliveryOutcome[]> {
    if (messages.length === 0) return [];
    if (this.hooks) await this.hooks.ready();
    const now = this.now();
    const createdAt = new Date(now).toISOString();
    let anyQueued = false;
    const prepared: RenderedMessage[] = [];
    const rows = messages.map((original): OutboxInsert => {
      const messageId = newMessageId();
      const m = this.hooks ? this.hooks.prepare(messageId, original) : original;
      prepared.push(m);
      const { tenant, ...message } = m;
      const queued = this.queued.has(m.channel);
      anyQueued ||= queued;
      return {
        tenant,
        messageId,
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
    if (this.quota) {
      const queuedOf = new Map<string, { tenant: RenderedMessage["tenant"]; n: number }>();
      for (const r of rows) {
        if (r.status !== "QUEUED") continue;
        const k = `${r.tenant.accountId}/${r.tenant.region}`;
        const q = queuedOf.get(k) ?? { tenant: r.tenant, n: 0 };
        q.n++;
        queuedOf.set(k, q);
      }
      for (const { tenant, n } of queuedOf.values()) await this.quota.admit(tenant, n);
    }
    const stored = await new Promise<{ messageId: string; inserted: boolean }[]>((resolve, reject) => {
      this.pending.push({ rows, resolve, reject });
      if (!this.writing) void this.flush();
    });
    if (this.hooks) {
      const sent = stored.flatMap((s, i) => (s.inserted ? [{ messageId: s.messageId, message: prepared[i] }] : []));
      if (sent.length > 0) await this.hooks.accepted(sent);
    }
    if (anyQueued && stored.some((s) => s.inserted)) this.onQueued();
    return stored.map((s) => acceptedOutcome(s.messageId));
  }

  /** Writes every waiting batch in one transaction, then the ones that arrived meanwhile. */
  private async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const batches = this.pending;
        this.pending = [];
        try {
          const stored = await this.outbox.insert(batches.flatMap((b) => b.rows));
          let at = 0;
          for (const b of batches) {
            b.resolve(stored.slice(at, at + b.rows.length));
            at += b.rows.length;
          }
        } catch (err) {
          for (const b of batches) b.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  async close(): Promise<void> {}
}
