/**
 * Engagement: what happens to a message after it leaves. Every sent message records `_email.send`
 * (or `_sms.send`) and, from a campaign, `_campaign.send`; the drainer's outcomes record
 * `_email.delivered` (SMTP 250), `_email.softbounce` (4xx, retried), `_email.hardbounce` (5xx),
 * `_sms.success` / `_sms.failure` (the webhook's answer); the tracking routes record
 * `_email.open`, `_email.click` and `_email.unsubscribe` (Amazon Pinpoint's "Streaming app and
 * campaign events" names). A click on a link rendered from one of the message's recommended items
 * becomes an interaction of the recipient with that item, folded into the served model at once.
 *
 * Events are written through a group commit: those that arrive while a write is in flight go
 * together in the next one, so many sends share one database commit.
 */
import { randomUUID } from "node:crypto";
import type { EngagementMessage, TenantEngagementEvent } from "../../store/engagement-events.js";
import type { OutboxRecord } from "../../store/outbox.js";
import type { Store, Tenant } from "../../store/types.js";
import type { MessageEngagement, RenderedMessage } from "../messaging/contracts.js";
import { replaceUnsubscribe, trackHtml, verify } from "./tracking-links.js";
import type { RecommendationFeedback } from "./feedback.js";
import type { DeliveryHooks, DeliveryReport } from "../messaging/delivery/hooks.js";
import { DEFAULT_EVENT_RETENTION_DAYS } from "./defaults.js";

export { DEFAULT_EVENT_RETENTION_DAYS } from "./defaults.js";
const DAY_MS = 86_400_000;
const MESSAGE_CACHE = 10_000;
const LINGER_MS = 100;

export interface EngagementOptions {
  /** Rewrite email links and add the open pixel (default true). */
  tracking?: boolean;
  /** The public base URL recipients' mail clients reach; default: the server's own address. */
  trackingUrl?: string;
  /** Events older than this are pruned (default 90 days). */
  retentionDays?: number;
  /** Tracking requests per second per source address (the routes' limit). */
  trackingRateLimit?: number;
  /** How often pruning runs (default hourly). */
  pruneEveryMs?: number;
  log?: { error(obj: object, msg: string): void };
  now?: () => number;
}

type StoredMessage = Omit<RenderedMessage, "tenant">;

export class EngagementService implements DeliveryHooks {
  private key?: Buffer;
  private base?: string;
  private readonly tracking: boolean;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private pending: { events: TenantEngagementEvent[]; messages: EngagementMessage[]; done: (err?: unknown) => void }[] = [];
  private writing = false;
  private pruner?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly messages = new Map<string, EngagementMessage>();
  private lingering?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly feedback: RecommendationFeedback | undefined,
    private readonly options: EngagementOptions = {},
  ) {
    this.tracking = options.tracking !== false;
    this.base = options.trackingUrl?.replace(/\/+$/, "");
    this.retentionMs = (options.retentionDays ?? DEFAULT_EVENT_RETENTION_DAYS) * DAY_MS;
    this.now = options.now ?? Date.now;
  }

  /** The server's own address, used as the tracking base when `--tracking-url` is not set. */
  setDefaultBaseUrl(url: string): void {
    this.base ??= url.replace(/\/+$/, "");
  }

  get baseUrl(): string | undefined {
    return this.base;
  }

  async trackingKey(): Promise<Buffer> {
    this.key ??= await this.store.engagement.trackingKey();
    return this.key;
  }

  /** Loads the tracking key before the first send needs it (sends read it synchronously). */
  async ready(): Promise<void> {
    await this.trackingKey();
  }

  /** The message as stored: its HTML links tracked and the open pixel added, unless opted out. */
  prepare(messageId: string, m: RenderedMessage): RenderedMessage {
    const html = m.email?.html;
    if (m.channel !== "EMAIL" || html === undefined || !this.key || !this.base) return m;
    if (!this.tracking || m.engagement?.tracking === false)
      return { ...m, email: { ...m.email, html: replaceUnsubscribe(html, this.base, this.key, messageId) } };
    const tracked = trackHtml(html, this.base, this.key, messageId);
    return { ...m, email: { ...m.email, html: tracked.html } };
  }

  /** Records the send events and contexts of messages the outbox just stored. */
  accepted(sent: { messageId: string; message: RenderedMessage }[]): Promise<void> {
    const now = this.now();
    const events: TenantEngagementEvent[] = [];
    const messages: EngagementMessage[] = [];
    for (const { messageId, message: m } of sent) {
      const e = m.engagement ?? {};
      messages.push({
        tenant: m.tenant,
        appId: m.applicationId,
        messageId,
        channel: m.channel,
        createdAt: now,
        address: m.address,
        ...(m.endpointId !== undefined && { endpointId: m.endpointId }),
        ...(m.userId !== undefined && { userId: m.userId }),
        ...withoutTracking(e),
      });
      const type = m.channel === "EMAIL" ? "_email.send" : m.channel === "SMS" ? "_sms.send" : "_push.send";
      const attributes = { destination: m.address, ...(m.email?.fromAddress && { from_address: m.email.fromAddress }) };
      events.push(this.event(m.tenant, m.applicationId, messageId, type, now, m, e, attributes));
      if (e.campaignId !== undefined) events.push(this.event(m.tenant, m.applicationId, messageId, "_campaign.send", now, m, e, {}));
      if (e.journeyId !== undefined) events.push(this.event(m.tenant, m.applicationId, messageId, "_journey.send", now, m, e, {}));
    }
    return this.write(events, messages);
  }

  /** Records what the transport answered for one attempt. */
  delivered(rec: OutboxRecord, report: DeliveryReport): Promise<void> {
    const m = JSON.parse(rec.doc) as StoredMessage;
    const type = outcomeEvent(rec.channel, report);
    if (!type) return Promise.resolve();
    const attributes = report.kind === "delivered" ? { smtp_response: report.response ?? "250" } : { smtp_response: report.reason };
    const now = this.now();
    // One event per message and type: a retried attempt that bounces again is the same bounce.
    const eventId = `${rec.messageId}:${type}${type === "_email.softbounce" ? `:${rec.attempts}` : ""}`;
    return this.write([{ ...this.event(rec.tenant, rec.appId, rec.messageId, type, now, m, m.engagement ?? {}, attributes), eventId }], []);
  }

  /**
   * A click on link `index` of a message: the original URL when the signature holds and the message
   * is known (its click recorded, its recommended item, if any, fed back); undefined otherwise.
   */
  async click(messageId: string, index: number, encodedUrl: string, signature: string): Promise<string | undefined> {
    const key = await this.trackingKey();
    const url = Buffer.from(encodedUrl, "base64url").toString("utf8");
    if (!verify(key, "c", messageId, index, url, signature)) return undefined;
    const message = await this.message(messageId);
    if (!message) return undefined;
    // The longest item id the URL contains: `item-12` is not attributed to `item-1`.
    const items = (message.recommendationItems ?? []).filter((item) => url.includes(item)).sort((a, b) => b.length - a.length);
    const recorded = this.write(
      [this.trackedEvent(message, "_email.click", { link: url, ...(items[0] && { recommended_item: items[0] }) })],
      [],
      true,
    );
    const feedback = this.feedback;
    this.background(items.length > 0 && feedback ? recorded.then(() => feedback.clicked(message, items[0])) : recorded);
    return url;
  }

  /** An open (the pixel was loaded); false when the signature or message is unknown. */
  async open(messageId: string, signature: string): Promise<boolean> {
    const key = await this.trackingKey();
    if (!verify(key, "o", messageId, 0, "", signature)) return false;
    const message = await this.message(messageId);
    if (!message) return false;
    this.background(this.write([this.trackedEvent(message, "_email.open", {})], [], true));
    return true;
  }

  /** Opts the message's endpoint out of every message (`OptOut: ALL`); false when unknown. */
  async unsubscribe(messageId: string, signature: string, optOut: (m: EngagementMessage) => Promise<void>): Promise<boolean> {
    const key = await this.trackingKey();
    if (!verify(key, "u", messageId, 0, "", signature)) return false;
    const message = await this.message(messageId);
    if (!message) return false;
    if (message.endpointId !== undefined) await optOut(message);
    await this.write([{ ...this.trackedEvent(message, "_email.unsubscribe", {}), eventId: `${messageId}:_email.unsubscribe` }], []);
    return true;
  }

  /**
   * Clicks and opens answer at once and are recorded right after (with the group commit); their
   * writes are tracked so `close` waits for them. A process killed in between loses those events.
   */
  private background(work: Promise<void>): void {
    const p = work
      .catch((err: unknown) => this.options.log?.error({ err }, "engagement: could not record a tracked event"))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /**
   * A message's context, kept in a bounded cache: contexts never change, and a tracked link is
   * followed again and again, so repeated clicks and opens do not wait for the database (whose
   * writes, on SQLite, hold reads while they commit).
   */
  private async message(messageId: string): Promise<EngagementMessage | undefined> {
    const cached = this.messages.get(messageId);
    if (cached) return cached;
    const m = await this.store.engagement.getMessage(messageId);
    if (m) {
      if (this.messages.size >= MESSAGE_CACHE) this.messages.delete(this.messages.keys().next().value!);
      this.messages.set(messageId, m);
    }
    return m;
  }

  /** Resolves once the tracked events answered so far are recorded. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  start(): void {
    const every = this.options.pruneEveryMs ?? 3_600_000;
    const prune = () =>
      void this.store.engagement
        .prune(this.now() - this.retentionMs)
        .catch((err: unknown) => this.options.log?.error({ err }, "engagement: pruning old events failed; retrying later"));
    prune();
    this.pruner = setInterval(prune, every);
    this.pruner.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.pruner);
    await this.settled();
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
  }

  private trackedEvent(m: EngagementMessage, type: string, attributes: Record<string, string>): TenantEngagementEvent {
    return this.event(m.tenant, m.appId, m.messageId, type, this.now(), m, m, attributes);
  }

  private event(
    tenant: Tenant,
    appId: string,
    messageId: string,
    eventType: string,
    timestamp: number,
    who: { endpointId?: string; userId?: string },
    e: MessageEngagement,
    attributes: Record<string, string>,
  ): TenantEngagementEvent {
    return {
      tenant,
      appId,
      eventId: randomUUID(),
      eventType,
      timestamp,
      messageId,
      ...(who.endpointId !== undefined && { endpointId: who.endpointId }),
      ...(who.userId !== undefined && { userId: who.userId }),
      ...(e.campaignId !== undefined && { campaignId: e.campaignId }),
      ...(e.treatmentId !== undefined && { treatmentId: e.treatmentId }),
      ...(e.campaignActivityId !== undefined && { campaignActivityId: e.campaignActivityId }),
      ...(e.journeyId !== undefined && { journeyId: e.journeyId }),
      ...(e.journeyActivityId !== undefined && { journeyActivityId: e.journeyActivityId }),
      attributes,
    };
  }

  /**
   * Group commit: resolves once these rows are stored (with whatever else was waiting). `linger`
   * (tracked clicks and opens, answered before they are stored) waits up to LINGER_MS for more, so
   * a burst of hits costs a few commits a second: on SQLite a commit holds the event loop.
   */
  private write(events: TenantEngagementEvent[], messages: EngagementMessage[], linger = false): Promise<void> {
    if (events.length === 0 && messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ events, messages, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (this.writing || this.lingering) return;
      if (!linger) return void this.flush();
      this.lingering = setTimeout(() => {
        this.lingering = undefined;
        if (!this.writing) void this.flush();
      }, LINGER_MS);
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.store.engagement.recordMany(
            batch.flatMap((b) => b.events),
            batch.flatMap((b) => b.messages),
          );
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

function withoutTracking(e: MessageEngagement): Omit<MessageEngagement, "tracking"> {
  const { tracking: _, ...rest } = e;
  return rest;
}

/** The event a transport's answer is, by Pinpoint's names; none for a push answer or an SMS retry. */
function outcomeEvent(channel: string, r: DeliveryReport): string | undefined {
  if (channel === "EMAIL") return r.kind === "delivered" ? "_email.delivered" : r.permanent ? "_email.hardbounce" : "_email.softbounce";
  if (channel === "SMS") return r.kind === "delivered" ? "_sms.success" : r.permanent || r.final ? "_sms.failure" : undefined;
  return undefined;
}
