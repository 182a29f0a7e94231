/**
 * Engagement events: what happened to a message after it left (Amazon Pinpoint's "Streaming app
 * and campaign events" and "Email events" pages name them: `_email.send`, `_email.delivered`,
 * `_email.softbounce`, `_email.hardbounce`, `_email.open`, `_email.click`, `_email.unsubscribe`,
 * `_sms.send`, `_sms.success`, `_sms.failure`, `_push.*`, `_campaign.send`, `_journey.send`).
 *
 * One row per event, per tenant and app, unique by event id (a second record of the same id stores
 * nothing, so at-least-once producers stay exact). The KPI queries, the journeys' "did this endpoint
 * open that message" checks and the event streams all read these rows; `prune` keeps them within the
 * configured retention. The messages' context (who, which campaign, the recommended items) is kept
 * beside them for the tracking routes, which know only a message id.
 */
import { randomBytes } from "node:crypto";
import { COUNTED_COLUMNS, DAY_MS, addToDailyCounts, countByDay, countedEvent } from "./engagement-daily-counts.js";
import { chunks, marks, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Tenant } from "./tenant.js";

/** The event types pinrec records, by Pinpoint's names. */
export const EMAIL_EVENT_TYPES = [
  "_email.send",
  "_email.delivered",
  "_email.softbounce",
  "_email.hardbounce",
  "_email.open",
  "_email.click",
  "_email.unsubscribe",
  "_email.rejected",
  "_email.complaint",
] as const;
export const SMS_EVENT_TYPES = ["_sms.send", "_sms.success", "_sms.failure", "_sms.optout"] as const;

export interface EngagementEvent {
  appId: string;
  /** Unique per app; a UUID when the producer has none of its own. */
  eventId: string;
  eventType: string;
  /** When the event happened, ms since the epoch (Pinpoint's `event_timestamp`). */
  timestamp: number;
  /** When pinrec recorded it (`arrival_timestamp`); defaults to `timestamp`. */
  arrivalTimestamp?: number;
  endpointId?: string;
  userId?: string;
  messageId?: string;
  campaignId?: string;
  treatmentId?: string;
  campaignActivityId?: string;
  journeyId?: string;
  journeyActivityId?: string;
  /** Pinpoint's event `attributes` (string values), e.g. `click_url`, `from_address`. */
  attributes?: Record<string, string>;
}

export interface TenantEngagementEvent extends EngagementEvent {
  tenant: Tenant;
}

export interface StoredEngagementEvent extends EngagementEvent {
  tenant: Tenant;
  /** Insertion order across the database (what event streams deliver in). */
  seq: number;
  arrivalTimestamp: number;
  attributes: Record<string, string>;
}

/** What the tracking routes need to know about a message, recorded when it is sent. */
export interface EngagementMessage {
  tenant: Tenant;
  appId: string;
  messageId: string;
  channel: string;
  createdAt: number;
  endpointId?: string;
  userId?: string;
  address?: string;
  campaignId?: string;
  treatmentId?: string;
  campaignActivityId?: string;
  journeyId?: string;
  journeyActivityId?: string;
  /** The recommender configuration whose items the message rendered, and those items. */
  recommenderId?: string;
  recommendationItems?: string[];
}

export interface EventQuery {
  endpointId: string;
  /** Any of these types. */
  eventTypes: string[];
  /** The campaign activity or journey activity the event belongs to; any when absent. */
  activityId?: string;
  /** The message the event belongs to; any when absent. */
  messageId?: string;
  /** Events at or after this time (ms). */
  since: number;
}

/** Rows of one KPI query: events in [from, to) of the given types, counted per group and type. */
export interface EventCountQuery {
  from: number;
  to: number;
  eventTypes: string[];
  campaignId?: string;
  journeyId?: string;
  /** Only events of campaigns (`campaign`), of journeys (`journey`), or of neither (`transactional`). */
  origin?: "campaign" | "journey" | "transactional";
  groupBy?: "date" | "campaign" | "campaign_activity" | "journey_activity" | "campaign_treatment";
  /** Only clicks attributed to a recommended item (`recommended_item` attribute). */
  recommendedOnly?: boolean;
  /** Also count distinct endpoints or messages among the counted events (costs more; only when asked). */
  distinct?: "endpoint" | "message";
}

export interface EventCount {
  /** The group's key (a UTC date `YYYY-MM-DD`, an id), `""` when ungrouped or absent. */
  group: string;
  eventType: string;
  count: number;
  /** Distinct endpoints or messages among the counted events (per `distinct`; 0 when not asked). */
  distinct: number;
}

export interface EngagementEventStore {
  /** Stores the events of one tenant; the ones whose event id is already stored are skipped. How many were stored. */
  record(tenant: Tenant, events: EngagementEvent[]): Promise<number>;
  /** Stores events of any tenants and message contexts in one transaction (one commit for a batch of sends). */
  recordMany(events: TenantEngagementEvent[], messages?: EngagementMessage[]): Promise<number>;
  /** Whether the endpoint had an event of one of the types (for the activity or message) since a time. */
  hadEvent(tenant: Tenant, appId: string, query: EventQuery): Promise<boolean>;
  /** An app's events after `afterSeq`, in insertion order. */
  list(tenant: Tenant, appId: string, options?: { afterSeq?: number; limit?: number }): Promise<StoredEngagementEvent[]>;
  /** KPI counts, computed by the database. */
  count(tenant: Tenant, appId: string, query: EventCountQuery): Promise<EventCount[]>;
  /** Records a sent message's context (idempotent per message id). */
  putMessage(message: EngagementMessage): Promise<void>;
  /** A message's context by id alone (tracking URLs carry only the id); any tenant. */
  getMessage(messageId: string): Promise<EngagementMessage | undefined>;
  /** Deletes events and message contexts older than `before` (ms); how many events were deleted. */
  prune(before: number): Promise<number>;
  /** The tracking links' HMAC key, created once and shared by every process on the database. */
  trackingKey(): Promise<Buffer>;
}

const EVENT_COLUMNS =
  "seq, account_id, region, app_id, event_id, event_type, event_time, arrival_time, endpoint_id, user_id, message_id, campaign_id, treatment_id, campaign_activity_id, journey_id, journey_activity_id, attributes";

interface EventRow {
  seq: number | string;
  account_id: string;
  region: string;
  app_id: string;
  event_id: string;
  event_type: string;
  event_time: number | string;
  arrival_time: number | string;
  endpoint_id: string | null;
  user_id: string | null;
  message_id: string | null;
  campaign_id: string | null;
  treatment_id: string | null;
  campaign_activity_id: string | null;
  journey_id: string | null;
  journey_activity_id: string | null;
  attributes: string;
}

const optional = (v: string | null): string | undefined => (v === null ? undefined : v);

function fromRow(r: EventRow): StoredEngagementEvent {
  const e: StoredEngagementEvent = {
    tenant: { accountId: r.account_id, region: r.region },
    seq: Number(r.seq),
    appId: r.app_id,
    eventId: r.event_id,
    eventType: r.event_type,
    timestamp: Number(r.event_time),
    arrivalTimestamp: Number(r.arrival_time),
    attributes: JSON.parse(r.attributes) as Record<string, string>,
  };
  const fields = {
    endpointId: r.endpoint_id,
    userId: r.user_id,
    messageId: r.message_id,
    campaignId: r.campaign_id,
    treatmentId: r.treatment_id,
    campaignActivityId: r.campaign_activity_id,
    journeyId: r.journey_id,
    journeyActivityId: r.journey_activity_id,
  };
  for (const [k, v] of Object.entries(fields)) {
    const value = optional(v);
    if (value !== undefined) (e as unknown as Record<string, unknown>)[k] = value;
  }
  return e;
}

/** How many old events one prune statement deletes (and subtracts from the daily counts) at a time. */
const PRUNE_CHUNK = 10_000;

export class SqlEngagementEventStore implements EngagementEventStore {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly db: SqlDb) {}

  record(t: Tenant, events: EngagementEvent[]): Promise<number> {
    return this.recordMany(events.map((e) => ({ ...e, tenant: t })));
  }

  async recordMany(events: TenantEngagementEvent[], messages: EngagementMessage[] = []): Promise<number> {
    if (events.length === 0 && messages.length === 0) return 0;
    // The events and their days' counts commit together.
    return this.db.transaction(null, async (tx) => {
      for (const part of chunks(messages, 50)) {
        await tx.run(
          `INSERT INTO engagement_messages (message_id, account_id, region, app_id, channel, created_at, doc)
           VALUES ${part.map(() => `(${marks(7)})`).join(", ")} ON CONFLICT (message_id) DO NOTHING`,
          part.flatMap((m) => {
            const { tenant, ...doc } = m;
            return [m.messageId, tenant.accountId, tenant.region, m.appId, m.channel, m.createdAt, JSON.stringify(doc)];
          }),
        );
      }
      return this.insertEvents(tx, events);
    });
  }

  private async insertEvents(db: SqlExecutor, events: TenantEngagementEvent[]): Promise<number> {
    let stored = 0;
    for (const part of chunks(events, 50)) {
      const params: unknown[] = [];
      for (const e of part) {
        params.push(
          e.tenant.accountId,
          e.tenant.region,
          e.appId,
          e.eventId,
          e.eventType,
          e.timestamp,
          e.arrivalTimestamp ?? e.timestamp,
          e.endpointId ?? null,
          e.userId ?? null,
          e.messageId ?? null,
          e.campaignId ?? null,
          e.treatmentId ?? null,
          e.campaignActivityId ?? null,
          e.journeyId ?? null,
          e.journeyActivityId ?? null,
          JSON.stringify(e.attributes ?? {}),
        );
      }
      // RETURNING gives only the rows really inserted, so a repeated event id is not counted twice.
      const inserted = await db.all<Parameters<typeof countedEvent>[0]>(
        `INSERT INTO engagement_events (${EVENT_COLUMNS.slice("seq, ".length)})
         VALUES ${part.map(() => `(${marks(16)})`).join(", ")}
         ON CONFLICT (account_id, region, app_id, event_id) DO NOTHING
         RETURNING ${COUNTED_COLUMNS}`,
        params,
      );
      await addToDailyCounts(db, inserted.map(countedEvent), 1);
      stored += inserted.length;
    }
    return stored;
  }

  async hadEvent(t: Tenant, appId: string, q: EventQuery): Promise<boolean> {
    if (q.eventTypes.length === 0) return false;
    let sql = `SELECT 1 AS hit FROM engagement_events
      WHERE account_id = ? AND region = ? AND app_id = ? AND endpoint_id = ? AND event_type IN (${marks(q.eventTypes.length)}) AND event_time >= ?`;
    const params: unknown[] = [t.accountId, t.region, appId, q.endpointId, ...q.eventTypes, q.since];
    if (q.activityId !== undefined) {
      sql += " AND (campaign_activity_id = ? OR journey_activity_id = ?)";
      params.push(q.activityId, q.activityId);
    }
    if (q.messageId !== undefined) {
      sql += " AND message_id = ?";
      params.push(q.messageId);
    }
    return (await this.db.get(`${sql} LIMIT 1`, params)) !== undefined;
  }

  async list(t: Tenant, appId: string, o: { afterSeq?: number; limit?: number } = {}): Promise<StoredEngagementEvent[]> {
    const rows = await this.db.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM engagement_events WHERE account_id = ? AND region = ? AND app_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [t.accountId, t.region, appId, o.afterSeq ?? 0, o.limit ?? 1000],
    );
    return rows.map(fromRow);
  }

  /**
   * Plain counts read the whole UTC days of the range from the daily counts and only the partial
   * days at its ends from the events; distinct counts read the events.
   */
  async count(t: Tenant, appId: string, q: EventCountQuery): Promise<EventCount[]> {
    if (q.eventTypes.length === 0) return [];
    const fromDay = Math.ceil(q.from / DAY_MS);
    const toDay = Math.floor(q.to / DAY_MS);
    if (q.distinct !== undefined || fromDay >= toDay) return this.countEvents(t, appId, q);
    const parts = await Promise.all([
      q.from < fromDay * DAY_MS ? this.countEvents(t, appId, { ...q, to: fromDay * DAY_MS }) : [],
      countByDay(this.db, t, appId, { ...q, fromDay, toDay }).then((rows) =>
        rows.map((r) => ({ group: this.groupOf(q, r.g), eventType: r.event_type, count: Number(r.n), distinct: 0 })),
      ),
      toDay * DAY_MS < q.to ? this.countEvents(t, appId, { ...q, from: toDay * DAY_MS }) : [],
    ]);
    const merged = new Map<string, EventCount>();
    for (const c of parts.flat()) {
      const id = `${c.group}\u0000${c.eventType}`;
      const m = merged.get(id);
      if (m) m.count += c.count;
      else merged.set(id, { ...c });
    }
    return [...merged.values()];
  }

  private groupOf(q: EventCountQuery, g: string | number | null | undefined): string {
    if (q.groupBy === "date") return new Date(Number(g) * DAY_MS).toISOString().slice(0, 10);
    return g === null || g === undefined ? "" : String(g);
  }

  private async countEvents(t: Tenant, appId: string, q: EventCountQuery): Promise<EventCount[]> {
    const where = ["account_id = ?", "region = ?", "app_id = ?"];
    const params: unknown[] = [t.accountId, t.region, appId];
    if (q.campaignId !== undefined) {
      where.push("campaign_id = ?");
      params.push(q.campaignId);
    }
    if (q.journeyId !== undefined) {
      where.push("journey_id = ?");
      params.push(q.journeyId);
    }
    if (q.origin === "campaign") where.push("campaign_id IS NOT NULL");
    if (q.origin === "journey") where.push("journey_id IS NOT NULL");
    if (q.origin === "transactional") where.push("campaign_id IS NULL AND journey_id IS NULL");
    where.push("event_time >= ?", "event_time < ?", `event_type IN (${marks(q.eventTypes.length)})`);
    params.push(q.from, q.to, ...q.eventTypes);
    if (q.recommendedOnly) where.push(`attributes LIKE '%"recommended_item":%'`);
    // A day is the integer division of the ms timestamp; the date string is made in JavaScript.
    // Campaigns are grouped by an expression, not the bare column: grouping by `campaign_id` with
    // two event types led SQLite to walk the by-campaign index over every event of the app (to
    // skip a sort) instead of the time range of the by-app index: 151 ms against 1.6 ms for one
    // day of 1,000,000 events.
    const group = {
      date: `(event_time / ${DAY_MS})`,
      campaign: "COALESCE(campaign_id, NULL)",
      campaign_activity: "campaign_activity_id",
      journey_activity: "journey_activity_id",
      campaign_treatment: "(campaign_id || '/' || COALESCE(treatment_id, ''))",
      none: "''",
    }[q.groupBy ?? "none"];
    const distinct = { endpoint: "COUNT(DISTINCT endpoint_id)", message: "COUNT(DISTINCT message_id)", none: "0" }[q.distinct ?? "none"];
    const rows = await this.db.all<{ g: string | number | null; event_type: string; n: number | string; e: number | string }>(
      `SELECT ${group} AS g, event_type, COUNT(*) AS n, ${distinct} AS e FROM engagement_events
       WHERE ${where.join(" AND ")} GROUP BY ${group === "''" ? "event_type" : `${group}, event_type`}`,
      params,
    );
    return rows.map((r) => ({
      group: this.groupOf(q, r.g),
      eventType: r.event_type,
      count: Number(r.n),
      distinct: Number(r.e),
    }));
  }

  async putMessage(m: EngagementMessage): Promise<void> {
    await this.recordMany([], [m]);
  }

  async getMessage(messageId: string): Promise<EngagementMessage | undefined> {
    const row = await this.db.get<{ account_id: string; region: string; doc: string }>(
      "SELECT account_id, region, doc FROM engagement_messages WHERE message_id = ?",
      [messageId],
    );
    if (!row) return undefined;
    return { ...(JSON.parse(row.doc) as Omit<EngagementMessage, "tenant">), tenant: { accountId: row.account_id, region: row.region } };
  }

  async prune(before: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      // In chunks, each with its days' counts in one transaction, so a first prune after a long
      // pause neither holds one huge transaction nor leaves the counts out of step with the events.
      const n = await this.db.transaction(null, async (tx) => {
        const gone = await tx.all<Parameters<typeof countedEvent>[0]>(
          `DELETE FROM engagement_events WHERE seq IN (SELECT seq FROM engagement_events WHERE event_time < ? LIMIT ${PRUNE_CHUNK})
           RETURNING ${COUNTED_COLUMNS}`,
          [before],
        );
        await addToDailyCounts(tx, gone.map(countedEvent), -1);
        return gone.length;
      });
      deleted += n;
      if (n < PRUNE_CHUNK) break;
    }
    await this.db.run("DELETE FROM engagement_messages WHERE created_at < ?", [before]);
    return deleted;
  }

  trackingKey(): Promise<Buffer> {
    this.key ??= this.loadKey().catch((err: unknown) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  private async loadKey(): Promise<Buffer> {
    // Two processes starting together both insert; the first row wins and both read it back.
    await this.db.run("INSERT INTO tracking_keys (id, secret, created_at) VALUES ('default', ?, ?) ON CONFLICT (id) DO NOTHING", [
      randomBytes(32).toString("base64"),
      Date.now(),
    ]);
    const row = await this.db.get<{ secret: string }>("SELECT secret FROM tracking_keys WHERE id = 'default'");
    if (!row) throw new Error("the tracking key could not be stored");
    return Buffer.from(row.secret, "base64");
  }
}
