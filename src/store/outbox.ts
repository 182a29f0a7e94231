/**
 * The message outbox: every message pinrec accepts for delivery, stored before the send call
 * answers, and the queue the delivery drainers claim from (the transactional-outbox pattern).
 *
 * A row's life: `STORED` (kept in the outbox only: no transport for its channel) or `QUEUED` →
 * `SENDING` (claimed by one drainer under a lease) → `SENT`, back to `QUEUED` with a later
 * `due_at` (a transient failure), or `FAILED` (permanent, or out of attempts). `due_at` is the
 * next attempt for a queued row and the lease's end for a claimed one, so one index finds both
 * the due rows and the rows whose drainer died mid-send.
 *
 * Every state change after the claim names the claim's token: a drainer whose lease ran out and
 * whose row was re-claimed by another can no longer mark it, so a row is finished exactly once.
 */
import { chunks, marks, type SqlDb } from "./sql.js";
import type { Page, Tenant } from "./tenant.js";

export type OutboxStatus = "STORED" | "QUEUED" | "SENDING" | "SENT" | "FAILED";
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ["STORED", "QUEUED", "SENDING", "SENT", "FAILED"];

export interface OutboxInsert {
  tenant: Tenant;
  messageId: string;
  /** Unique per tenant: a second insert with the same key stores nothing and answers the first id. */
  idempotencyKey?: string;
  appId: string;
  channel: string;
  address: string;
  status: "STORED" | "QUEUED";
  createdAt: string;
  /** When a queued row first becomes due (ms since the epoch). */
  dueAt: number;
  /** The message as JSON. */
  doc: string;
}

/** A stored row: what was inserted, with the delivery state the drainers keep. */
export interface OutboxRecord extends Omit<OutboxInsert, "status"> {
  status: OutboxStatus;
  /** Delivery attempts started (claims), including one in progress. */
  attempts: number;
  lastError?: string;
  sentAt?: string;
}

export interface OutboxFilter {
  appId?: string;
  channel?: string;
  address?: string;
  status?: OutboxStatus;
}

export interface ClaimRequest {
  /** Unique per claim; the claimed rows carry it until they are finished or re-claimed. */
  token: string;
  /** Only rows of these channels (the ones this drainer has a transport for). */
  channels: string[];
  now: number;
  /** The lease's end: the rows become claimable again then unless renewed or finished. */
  leaseUntil: number;
  limit: number;
}

export interface OutboxRepository {
  /**
   * Stores a batch in one transaction. For each input, in order, the id stored for it: its own
   * when inserted, else the id of the message that first used its idempotency key (earlier, or
   * earlier in this batch).
   */
  insert(rows: OutboxInsert[]): Promise<{ messageId: string; inserted: boolean }[]>;
  /**
   * Claims due rows (queued and due, or claimed under a lease that has run out), taking turns
   * across lanes (one per tenant's app) and the longest due first within a lane, so one app's
   * backlog cannot hold another's messages; returned in no particular order.
   */
  claim(request: ClaimRequest): Promise<OutboxRecord[]>;
  /** Extends the lease of the rows still claimed under `token`; how many were. */
  renew(token: string, leaseUntil: number): Promise<number>;
  /**
   * Finishes claimed rows as sent, in one statement (one commit for many sends); the ids it
   * finished. A row missing from the answer had lost its claim (lease ran out, another drainer took it).
   */
  markSent(claims: { messageId: string; token: string }[], sentAt: string): Promise<Set<string>>;
  /** Puts a claimed row back in the queue, due again at `dueAt`. */
  reschedule(messageId: string, token: string, dueAt: number, error: string): Promise<boolean>;
  markFailed(messageId: string, token: string, error: string): Promise<boolean>;
  get(tenant: Tenant, messageId: string): Promise<OutboxRecord | undefined>;
  /** How many of a tenant's rows wait for delivery (queued or claimed), counting no further than `atMost`. */
  countWaiting(tenant: Tenant, atMost: number): Promise<number>;
  /** Rows of a tenant in acceptance order, after position `after`. */
  list(tenant: Tenant, filter: OutboxFilter, after: number, limit: number): Promise<Page<OutboxRecord>>;
}

interface Row {
  seq: number | string;
  account_id: string;
  region: string;
  message_id: string;
  idempotency_key: string | null;
  app_id: string;
  channel: string;
  address: string;
  status: OutboxStatus;
  attempts: number | string;
  due_at: number | string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  doc: string;
  lane: string;
}

const COLUMNS =
  "seq, account_id, region, message_id, idempotency_key, app_id, channel, address, status, attempts, due_at, last_error, created_at, sent_at, doc";

/** What a claim returns: the columns, with the lane it was taken from. */
const RETURNED = [...COLUMNS.split(", "), "lane"];

function record(r: Row): OutboxRecord {
  return {
    tenant: { accountId: r.account_id, region: r.region },
    messageId: r.message_id,
    ...(r.idempotency_key !== null && { idempotencyKey: r.idempotency_key }),
    appId: r.app_id,
    channel: r.channel,
    address: r.address,
    status: r.status,
    attempts: Number(r.attempts),
    dueAt: Number(r.due_at),
    ...(r.last_error !== null && { lastError: r.last_error }),
    createdAt: r.created_at,
    ...(r.sent_at !== null && { sentAt: r.sent_at }),
    doc: r.doc,
  };
}

const tenantKey = (t: Tenant, key: string) => `${t.accountId}\n${t.region}\n${key}`;

/** Lanes a claim looks at beyond its room before it stops (the next claim goes on from there). */
const LANE_PROBES = 64;

/** The delivery lane a row queues in: its tenant's app. */
const laneOf = (t: Tenant, appId: string) => `${t.accountId}/${t.region}/${appId}`;

export class SqlOutboxRepository implements OutboxRepository {
  /** The lane the last claim ended with; the next claim starts after it. */
  private lastLane = "";

  constructor(private readonly db: SqlDb) {}

  async insert(rows: OutboxInsert[]): Promise<{ messageId: string; inserted: boolean }[]> {
    // A key repeated within the batch answers the first occurrence's id; only first occurrences are written.
    const firstOfKey = new Map<string, number>();
    const results: { messageId: string; inserted: boolean }[] = rows.map((r) => ({ messageId: r.messageId, inserted: true }));
    const repeats: number[] = [];
    const writes: OutboxInsert[] = [];
    rows.forEach((r, i) => {
      if (r.idempotencyKey !== undefined) {
        const k = tenantKey(r.tenant, r.idempotencyKey);
        if (firstOfKey.has(k)) return void repeats.push(i);
        firstOfKey.set(k, i);
      }
      writes.push(r);
    });
    await this.db.transaction(null, async (tx) => {
      const inserted = new Set<string>();
      for (const part of chunks(writes)) {
        const params: unknown[] = [];
        for (const r of part) {
          params.push(
            r.tenant.accountId,
            r.tenant.region,
            laneOf(r.tenant, r.appId),
            r.messageId,
            r.idempotencyKey ?? null,
            r.appId,
            r.channel,
            r.address,
            r.status,
            0,
            r.dueAt,
            r.createdAt,
            r.doc,
          );
        }
        const returned = await tx.all<{ message_id: string }>(
          `INSERT INTO outbox_messages (account_id, region, lane, message_id, idempotency_key, app_id, channel, address, status, attempts, due_at, created_at, doc)
           VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}
           ON CONFLICT (account_id, region, idempotency_key) DO NOTHING RETURNING message_id`,
          params,
        );
        for (const x of returned) inserted.add(x.message_id);
      }
      // Rows whose key was already taken (by an earlier call, or a concurrent one that committed first).
      const taken = writes.filter((r) => !inserted.has(r.messageId));
      for (const r of taken) {
        const row = await tx.get<{ message_id: string }>(
          "SELECT message_id FROM outbox_messages WHERE account_id = ? AND region = ? AND idempotency_key = ?",
          [r.tenant.accountId, r.tenant.region, r.idempotencyKey],
        );
        const i = firstOfKey.get(tenantKey(r.tenant, r.idempotencyKey!))!;
        results[i] = { messageId: row!.message_id, inserted: false };
      }
    });
    for (const i of repeats) {
      const r = rows[i];
      results[i] = { messageId: results[firstOfKey.get(tenantKey(r.tenant, r.idempotencyKey!))!].messageId, inserted: false };
    }
    return results;
  }

  async claim(c: ClaimRequest): Promise<OutboxRecord[]> {
    if (c.channels.length === 0 || c.limit < 1) return [];
    let lanes = await this.lanesInTurn(c);
    const claimed: OutboxRecord[] = [];
    // An even share per lane: a lane with a million rows due gets as many as one with a single
    // row. Room a short lane left goes to the lanes that filled their share, in a next pass.
    for (let pass = 0; pass < 3 && lanes.length > 0 && claimed.length < c.limit; pass++) {
      const share = Math.ceil((c.limit - claimed.length) / lanes.length);
      const rows = await this.claimFromLanes(c, lanes, share);
      const taken = new Map<string, number>();
      for (const r of rows) {
        if (claimed.length === c.limit) break;
        claimed.push(record(r));
        taken.set(r.lane, (taken.get(r.lane) ?? 0) + 1);
      }
      lanes = lanes.filter((l) => taken.get(l) === share);
    }
    return claimed;
  }

  /** Claims up to `share` due rows of each lane, in one statement. */
  private async claimFromLanes(c: ClaimRequest, lanes: string[], share: number): Promise<Row[]> {
    const dueIn = (lock: string) =>
      `SELECT seq FROM outbox_messages WHERE lane = ? AND status IN ('QUEUED', 'SENDING') AND due_at <= ? AND channel IN (${marks(c.channels.length)})
       ORDER BY due_at LIMIT ?${lock}`;
    const laneParams = (lane: string) => [lane, c.now, ...c.channels, share];
    const set = "status = 'SENDING', claim_token = ?, attempts = attempts + 1, due_at = ?";
    if (this.db.dialect === "postgres") {
      // SKIP LOCKED: concurrent drainers each take rows nobody else is taking, without waiting;
      // the row lock also re-checks the condition on the latest version, so a row another
      // drainer just claimed (its due_at moved on) is not taken twice.
      const ctes = lanes.map((_, i) => `l${i} AS (${dueIn(" FOR UPDATE SKIP LOCKED")})`).join(", ");
      const picked = lanes.map((_, i) => `SELECT seq FROM l${i}`).join(" UNION ALL ");
      return this.db.all<Row>(
        `WITH ${ctes}
         UPDATE outbox_messages SET ${set} FROM (${picked}) due WHERE outbox_messages.seq = due.seq RETURNING ${RETURNED.map(
           (col) => `outbox_messages.${col}`,
         ).join(", ")}`,
        [...lanes.flatMap(laneParams), c.token, c.leaseUntil],
      );
    }
    // SQLite: one statement is one write transaction, and writers are serialised, even across processes.
    const picked = lanes.map(() => `SELECT seq FROM (${dueIn("")})`).join(" UNION ALL ");
    return this.db.all<Row>(`UPDATE outbox_messages SET ${set} WHERE seq IN (${picked}) RETURNING ${RETURNED.join(", ")}`, [
      c.token,
      c.leaseUntil,
      ...lanes.flatMap(laneParams),
    ]);
  }

  /**
   * Up to `limit` lanes with rows due for the claim, starting after the lane this repository
   * looked at last and wrapping around: with more lanes than a claim has room for, successive
   * claims take turns. Each lane looked at is two index probes (a loose index scan: the next lane,
   * and whether its earliest row is due), whatever the number of rows in it; a claim looks at no
   * more than `LANE_PROBES` lanes (plus its room), and the next one goes on from there.
   */
  private async lanesInTurn(c: ClaimRequest): Promise<string[]> {
    const found: string[] = [];
    const start = this.lastLane;
    let prev = start;
    let wrapped = false;
    for (let probes = 0; probes < LANE_PROBES + c.limit && found.length < c.limit; probes++) {
      // MIN(due_at) of a lane is the first entry of its index range (EXISTS with a condition on
      // due_at would let PostgreSQL plan a sequential scan for a lane it cannot see at plan time).
      const next = await this.db.get<{ lane: string | null; first_due: number | string | null }>(
        `SELECT x.lane, (SELECT MIN(due_at) FROM outbox_messages WHERE lane = x.lane AND status IN ('QUEUED', 'SENDING')) AS first_due
         FROM (SELECT MIN(lane) AS lane FROM outbox_messages WHERE status IN ('QUEUED', 'SENDING') AND lane > ?) x`,
        [prev],
      );
      const lane = next?.lane ?? null;
      if (lane === null) {
        if (wrapped || start === "") break;
        wrapped = true;
        prev = "";
        continue;
      }
      // Past the lane this claim started after: every lane has been looked at.
      if (wrapped && lane > start) break;
      prev = lane;
      // A lane whose first due row is of a channel this drainer has no transport for is tried and
      // gives nothing (rare: rows of such channels are stored, not queued).
      if (next!.first_due !== null && Number(next!.first_due) <= c.now) found.push(lane);
    }
    this.lastLane = prev;
    return found;
  }

  async renew(token: string, leaseUntil: number): Promise<number> {
    const r = await this.db.run("UPDATE outbox_messages SET due_at = ? WHERE claim_token = ? AND status = 'SENDING'", [leaseUntil, token]);
    return r.changes;
  }

  async markSent(claims: { messageId: string; token: string }[], sentAt: string): Promise<Set<string>> {
    const done = new Set<string>();
    for (const part of chunks(claims, 500)) {
      const rows = await this.db.all<{ message_id: string }>(
        `UPDATE outbox_messages SET status = 'SENT', sent_at = ?, last_error = NULL, claim_token = NULL
         WHERE status = 'SENDING' AND (message_id, claim_token) IN (VALUES ${part.map(() => "(?, ?)").join(", ")}) RETURNING message_id`,
        [sentAt, ...part.flatMap((c) => [c.messageId, c.token])],
      );
      for (const r of rows) done.add(r.message_id);
    }
    return done;
  }

  async reschedule(messageId: string, token: string, dueAt: number, error: string): Promise<boolean> {
    return this.finish(messageId, token, "status = 'QUEUED', due_at = ?, last_error = ?", [dueAt, error]);
  }

  async markFailed(messageId: string, token: string, error: string): Promise<boolean> {
    return this.finish(messageId, token, "status = 'FAILED', last_error = ?", [error]);
  }

  private async finish(messageId: string, token: string, set: string, params: unknown[]): Promise<boolean> {
    const r = await this.db.run(
      `UPDATE outbox_messages SET ${set}, claim_token = NULL WHERE message_id = ? AND claim_token = ? AND status = 'SENDING'`,
      [...params, messageId, token],
    );
    return r.changes === 1;
  }

  async get(t: Tenant, messageId: string): Promise<OutboxRecord | undefined> {
    const row = await this.db.get<Row>(`SELECT ${COLUMNS} FROM outbox_messages WHERE message_id = ? AND account_id = ? AND region = ?`, [
      messageId,
      t.accountId,
      t.region,
    ]);
    return row ? record(row) : undefined;
  }

  async countWaiting(t: Tenant, atMost: number): Promise<number> {
    // The tenant's lanes are one range of the lane index ('0' sorts right after '/').
    const prefix = `${t.accountId}/${t.region}/`;
    const row = await this.db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox_messages WHERE lane >= ? AND lane < ? AND status IN ('QUEUED', 'SENDING') LIMIT ?) x`,
      [prefix, `${prefix.slice(0, -1)}0`, atMost],
    );
    return Number(row?.n ?? 0);
  }

  async list(t: Tenant, filter: OutboxFilter, after: number, limit: number): Promise<Page<OutboxRecord>> {
    const where = ["account_id = ?", "region = ?", "seq > ?"];
    const params: unknown[] = [t.accountId, t.region, after];
    const columnOf: [keyof OutboxFilter, string][] = [
      ["appId", "app_id"],
      ["channel", "channel"],
      ["address", "address"],
      ["status", "status"],
    ];
    for (const [key, column] of columnOf) {
      if (filter[key] === undefined) continue;
      where.push(`${column} = ?`);
      params.push(filter[key]);
    }
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM outbox_messages WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`, [
      ...params,
      limit + 1,
    ]);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map(record), after: more ? Number(page[page.length - 1].seq) : undefined };
  }
}
