/**
 * The per-account quota on messages waiting for delivery (queued, or claimed by a drainer): one
 * account cannot fill the shared outbox (and its disk) faster than the transports drain it. Past
 * the quota a send answers 429 TooManyRequestsException, Amazon Pinpoint's throttling error
 * ("Amazon Pinpoint quotas": requests past a quota are throttled), and a campaign batch returns
 * after its lease, so a campaign waits for its own backlog instead of growing it.
 *
 * Counting is bounded (it stops at the quota) and cached per tenant for a second, with the
 * messages this process accepted since added, so a busy account costs one count a second.
 */
import { ApiError } from "../../../shared/errors.js";
import type { OutboxRepository } from "../../../store/outbox.js";
import type { Tenant } from "../../../store/tenant.js";

export const DEFAULT_OUTBOX_QUOTA = 100_000;
const RECOUNT_MS = 1_000;

export class OutboxQuota {
  private readonly counts = new Map<string, { n: number; at: number }>();

  constructor(
    private readonly outbox: OutboxRepository,
    readonly quota: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws TooManyRequestsException if queuing `adding` more messages for the tenant would pass the quota; else counts them in. */
  async admit(tenant: Tenant, adding: number): Promise<void> {
    const key = `${tenant.accountId}/${tenant.region}`;
    const now = this.now();
    let c = this.counts.get(key);
    if (!c || now - c.at >= RECOUNT_MS) {
      c = { n: await this.outbox.countWaiting(tenant, this.quota + 1), at: now };
      this.counts.set(key, c);
      // Tenants not seen for a while are forgotten: the map holds only recent senders.
      if (this.counts.size > 10_000) for (const [k, v] of this.counts) if (now - v.at >= RECOUNT_MS) this.counts.delete(k);
    }
    if (c.n + adding > this.quota) {
      throw new ApiError(
        "TooManyRequestsException",
        429,
        `This account has ${c.n >= this.quota ? `${this.quota} or more` : c.n} messages waiting for delivery; ${adding} more would pass its quota of ${this.quota}. Retry once they are delivered`,
      );
    }
    c.n += adding;
  }
}
