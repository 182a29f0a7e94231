/**
 * Drains the outbox: claims due messages, hands each to its channel's transport, and records the
 * result. Several drainers (servers) may share one database: a claim hands each row to one of
 * them under a lease, renewed while the send runs, so a server that dies mid-send loses nothing
 * (its rows are claimed again once the lease runs out) and a live one is never raced.
 *
 * Delivery is exactly once except in one window: the transport has the message (SMTP 250, webhook
 * 2xx) but the process dies before the outbox records it sent. That message is sent again after
 * the lease, under the same MessageId (SMTP Message-ID, `webhook-id`), so receivers can drop the copy.
 */
import { randomUUID } from "node:crypto";
import type { OutboxRecord, OutboxRepository } from "../../../store/outbox.js";
import type { RenderedMessage } from "../contracts.js";
import { deliveryDuration } from "../../../observability/metrics.js";
import { DeliveryError, type ChannelTransport, type OutboxMessage } from "./transport.js";
import { DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS } from "./defaults.js";
import type { DeliveryHooks, DeliveryReport } from "./hooks.js";

export interface DrainerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DrainerOptions {
  /** How long a claim holds without renewal (ms). Renewed every third of it while sending. */
  leaseMs?: number;
  /** Attempts before a transiently failing message is recorded as failed. */
  maxAttempts?: number;
  /** Messages in flight at once (across transports). */
  concurrency?: number;
  /** How often to look for due messages when not woken (ms). */
  pollMs?: number;
  /** The first retry's delay; each next one doubles, up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  log?: DrainerLog;
  now?: () => number;
  /** Told each attempt's answer (engagement events); its failures are logged, never the send's. */
  hooks?: Pick<DeliveryHooks, "delivered">;
}

export { DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS } from "./defaults.js";
export const DEFAULT_RETRY_BASE_MS = 1_000;
export const DEFAULT_RETRY_MAX_MS = 10 * 60_000;

/** Exponential backoff with ±25 % jitter, so messages that failed together do not retry together. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exact = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exact * (0.75 + 0.5 * random()));
}

const silent: DrainerLog = { info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class OutboxDrainer {
  private readonly byChannel = new Map<string, ChannelTransport>();
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  /** Where delivery problems are reported. */
  private readonly log: DrainerLog;
  private readonly now: () => number;
  private readonly hooks?: Pick<DeliveryHooks, "delivered">;

  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  /** In-flight sends per claim token, for lease renewal. */
  private readonly tokens = new Map<string, number>();
  private renewTimer?: NodeJS.Timeout;
  private woken = false;
  private wakeUp?: () => void;
  /** Sends the transport took, waiting to be recorded. */
  private readonly sent: { messageId: string; token: string; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing?: Promise<void>;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly transports: ChannelTransport[],
    options: DrainerOptions = {},
  ) {
    for (const t of transports) for (const c of t.channels) this.byChannel.set(c, t);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.concurrency = options.concurrency ?? 16;
    this.pollMs = options.pollMs ?? 500;
    this.retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    this.log = options.log ?? silent;
    this.now = options.now ?? Date.now;
    this.hooks = options.hooks;
  }

  private report(rec: OutboxRecord, report: DeliveryReport): void {
    this.hooks
      ?.delivered(rec, report)
      .catch((err: unknown) => this.log.error({ err, messageId: rec.messageId }, "delivery: could not record an engagement event"));
  }

  get channels(): string[] {
    return [...this.byChannel.keys()];
  }

  start(): void {
    if (this.running || this.byChannel.size === 0) return;
    this.running = true;
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    this.loop = this.run();
  }

  /** Look for due messages now (called when messages were just queued). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops claiming, then waits for sends in flight to finish, for at most `boundMs`. Sends still
   * running after that go on (their leases renewed) while the process lives; if it ends first,
   * their leases run out and another drainer (or this server's next start) retries them.
   * Closes the transports' idle connections.
   */
  async stop(boundMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), boundMs)));
      const finished = await Promise.race([Promise.allSettled([...this.inFlight]).then(() => true), bound]);
      clearTimeout(timer);
      if (!finished)
        this.log.warn(
          { inFlight: this.inFlight.size },
          "delivery: sends still running at shutdown; if the process ends first, they are retried after their lease",
        );
    }
    // Sends still running keep their lease renewed for as long as this process lives.
    if (this.inFlight.size === 0) clearInterval(this.renewTimer);
    await Promise.allSettled(this.transports.map((t) => t.close()));
  }

  private async run(): Promise<void> {
    const channels = this.channels;
    while (this.running) {
      this.woken = false;
      const room = this.concurrency - this.inFlight.size;
      let claimed: OutboxRecord[] = [];
      // Claim in batches (half the room at least): each claim is a write, one per message would cost a commit each.
      if (room >= Math.ceil(this.concurrency / 2) || this.inFlight.size === 0) {
        const token = randomUUID();
        const now = this.now();
        try {
          claimed = await this.outbox.claim({ token, channels, now, leaseUntil: now + this.leaseMs, limit: room });
        } catch (err) {
          this.log.error({ err }, "delivery: cannot claim messages from the outbox; retrying");
          await sleep(this.pollMs);
          continue;
        }
        for (const rec of claimed) this.dispatch(rec, token);
        // A full batch: more may be due; otherwise nothing is until something changes.
        if (claimed.length === room) continue;
      }
      if (!this.running || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private dispatch(rec: OutboxRecord, token: string): void {
    this.tokens.set(token, (this.tokens.get(token) ?? 0) + 1);
    const p = this.deliver(rec, token)
      .catch((err) => this.log.error({ err, messageId: rec.messageId }, "delivery: could not record an outcome"))
      .finally(() => {
        this.inFlight.delete(p);
        const left = this.tokens.get(token)! - 1;
        if (left === 0) this.tokens.delete(token);
        else this.tokens.set(token, left);
        if (!this.running && this.inFlight.size === 0) clearInterval(this.renewTimer);
        // Room for another batch: look again without waiting for the poll.
        if (this.inFlight.size <= this.concurrency / 2) this.wake();
      });
    this.inFlight.add(p);
  }

  private async deliver(rec: OutboxRecord, token: string): Promise<void> {
    const transport = this.byChannel.get(rec.channel)!;
    if (rec.attempts > this.maxAttempts) {
      // Claimed this often without an outcome: its senders kept dying mid-send. Stop the loop.
      await this.outbox.markFailed(rec.messageId, token, `abandoned after ${this.maxAttempts} attempts that never finished`);
      return;
    }
    const message: OutboxMessage = {
      messageId: rec.messageId,
      createdAt: rec.createdAt,
      attempt: rec.attempts,
      message: JSON.parse(rec.doc) as Omit<RenderedMessage, "tenant">,
      tenant: rec.tenant,
    };
    const started = performance.now();
    try {
      await transport.send(message);
      deliveryDuration.observe({ channel: message.message.channel }, (performance.now() - started) / 1000);
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error)?.message ?? String(err), false);
      const reason = `${transport.name}: ${e.message}`;
      this.report(rec, {
        kind: "failed",
        permanent: e.permanent,
        final: e.permanent || rec.attempts >= this.maxAttempts,
        reason: e.message,
      });
      if (e.permanent) {
        await this.outbox.markFailed(rec.messageId, token, reason);
        this.log.warn({ messageId: rec.messageId, reason }, "delivery failed permanently");
      } else if (rec.attempts >= this.maxAttempts) {
        await this.outbox.markFailed(rec.messageId, token, `${reason} (gave up after ${rec.attempts} attempts)`);
        this.log.warn({ messageId: rec.messageId, reason, attempts: rec.attempts }, "delivery failed: out of attempts");
      } else {
        const delay = Math.max(
          retryDelayMs(rec.attempts, this.retryBaseMs, this.retryMaxMs),
          Math.min(e.retryAfterMs ?? 0, this.retryMaxMs),
        );
        await this.outbox.reschedule(rec.messageId, token, this.now() + delay, reason);
        this.log.info({ messageId: rec.messageId, reason, attempt: rec.attempts, retryInMs: delay }, "delivery attempt failed; retrying");
      }
      return;
    }
    this.report(rec, { kind: "delivered" });
    await this.recordSent(rec.messageId, token);
  }

  /**
   * The transport has the message: record it. Sends finishing together are recorded in one
   * statement (group commit: one disk sync for many on SQLite). A failing database is retried for
   * a while, since an unrecorded send is sent again after the lease.
   */
  private recordSent(messageId: string, token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sent.push({ messageId, token, resolve, reject });
      if (!this.flushing) this.flushing = this.flushSent().finally(() => (this.flushing = undefined));
    });
  }

  private async flushSent(): Promise<void> {
    while (this.sent.length > 0) {
      const batch = this.sent.splice(0);
      for (let attempt = 0; ; attempt++) {
        try {
          const done = await this.outbox.markSent(batch, new Date(this.now()).toISOString());
          for (const s of batch) {
            if (!done.has(s.messageId))
              this.log.warn(
                { messageId: s.messageId },
                "delivery: sent after the claim was lost (lease ran out); it may have been sent twice",
              );
            s.resolve();
          }
          break;
        } catch (err) {
          if (attempt >= 5) {
            for (const s of batch) s.reject(err);
            break;
          }
          await sleep(100 * 2 ** attempt);
        }
      }
    }
  }

  private async renewLeases(): Promise<void> {
    const until = this.now() + this.leaseMs;
    for (const token of this.tokens.keys()) {
      try {
        await this.outbox.renew(token, until);
      } catch (err) {
        this.log.error({ err }, "delivery: cannot renew a claim's lease");
      }
    }
  }
}
