/**
 * Event streams (PutEventStream): one per app, with the delivery position that makes them durable.
 * `last_seq` is the last engagement event (by seq) the stream has received; a deliverer claims a
 * stream under a lease (claim token, lease end), sends the events after `last_seq`, and advances it
 * only once the destination has them, so a process that dies mid-send loses nothing: the stream is
 * claimed again after its lease and the same events are sent again (at least once; the event id
 * lets the consumer drop a copy). A destination that is down holds its events here, not the sends.
 */
import type { SqlDb } from "./sql.js";
import type { Tenant } from "./tenant.js";

export interface EventStreamRecord {
  tenant: Tenant;
  appId: string;
  /** The EventStream response document (DestinationStreamArn, RoleArn, LastModifiedDate, …). */
  doc: Record<string, unknown>;
  lastSeq: number;
  attempts: number;
  lastError?: string;
}

export interface EventStreamRepository {
  /** Creates or replaces the app's stream; a new stream starts after the app's newest event. */
  put(tenant: Tenant, appId: string, doc: Record<string, unknown>, now: number): Promise<void>;
  get(tenant: Tenant, appId: string): Promise<EventStreamRecord | undefined>;
  delete(tenant: Tenant, appId: string): Promise<EventStreamRecord | undefined>;
  /** Claims one stream whose lease has ended (or that was never claimed) and that has events to send. */
  claim(token: string, now: number, leaseUntil: number): Promise<(EventStreamRecord & { token: string }) | undefined>;
  /** Records delivery up to `lastSeq` and releases the claim; false when the claim was lost. */
  advance(tenant: Tenant, appId: string, token: string, lastSeq: number): Promise<boolean>;
  /** Releases the claim after a failed send; the stream is due again at `dueAt`. */
  fail(tenant: Tenant, appId: string, token: string, dueAt: number, error: string): Promise<void>;
}

const KEY = "account_id = ? AND region = ? AND app_id = ?";

interface Row {
  account_id: string;
  region: string;
  app_id: string;
  doc: string;
  last_seq: number | string;
  attempts: number | string;
  last_error: string | null;
}

const fromRow = (r: Row): EventStreamRecord => ({
  tenant: { accountId: r.account_id, region: r.region },
  appId: r.app_id,
  doc: JSON.parse(r.doc) as Record<string, unknown>,
  lastSeq: Number(r.last_seq),
  attempts: Number(r.attempts),
  ...(r.last_error !== null && { lastError: r.last_error }),
});

export class SqlEventStreamRepository implements EventStreamRepository {
  constructor(private readonly db: SqlDb) {}

  async put(t: Tenant, appId: string, doc: Record<string, unknown>, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO event_streams (account_id, region, app_id, doc, last_seq, claim_token, lease_until, attempts)
       VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM engagement_events WHERE ${KEY}), NULL, ?, 0)
       ON CONFLICT (account_id, region, app_id) DO UPDATE SET doc = excluded.doc, attempts = 0, last_error = NULL, lease_until = excluded.lease_until`,
      [t.accountId, t.region, appId, JSON.stringify(doc), t.accountId, t.region, appId, now],
    );
  }

  async get(t: Tenant, appId: string): Promise<EventStreamRecord | undefined> {
    const row = await this.db.get<Row>(`SELECT * FROM event_streams WHERE ${KEY}`, [t.accountId, t.region, appId]);
    return row && fromRow(row);
  }

  async delete(t: Tenant, appId: string): Promise<EventStreamRecord | undefined> {
    const row = await this.db.get<Row>(`DELETE FROM event_streams WHERE ${KEY} RETURNING *`, [t.accountId, t.region, appId]);
    return row && fromRow(row);
  }

  async claim(token: string, now: number, leaseUntil: number) {
    return this.db.transaction("event-streams:claim", async (tx) => {
      const lock = this.db.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
      const row = await tx.get<Row>(
        `SELECT s.* FROM event_streams s WHERE s.lease_until <= ?
           AND EXISTS (SELECT 1 FROM engagement_events e WHERE e.account_id = s.account_id AND e.region = s.region AND e.app_id = s.app_id AND e.seq > s.last_seq)
         ORDER BY s.lease_until LIMIT 1${lock}`,
        [now],
      );
      if (!row) return undefined;
      await tx.run(`UPDATE event_streams SET claim_token = ?, lease_until = ?, attempts = attempts + 1 WHERE ${KEY}`, [
        token,
        leaseUntil,
        row.account_id,
        row.region,
        row.app_id,
      ]);
      return { ...fromRow(row), token };
    });
  }

  async advance(t: Tenant, appId: string, token: string, lastSeq: number): Promise<boolean> {
    const r = await this.db.run(
      `UPDATE event_streams SET last_seq = ?, claim_token = NULL, lease_until = 0, attempts = 0, last_error = NULL WHERE ${KEY} AND claim_token = ?`,
      [lastSeq, t.accountId, t.region, appId, token],
    );
    return r.changes > 0;
  }

  async fail(t: Tenant, appId: string, token: string, dueAt: number, error: string): Promise<void> {
    await this.db.run(`UPDATE event_streams SET claim_token = NULL, lease_until = ?, last_error = ? WHERE ${KEY} AND claim_token = ?`, [
      dueAt,
      error.slice(0, 1000),
      t.accountId,
      t.region,
      appId,
      token,
    ]);
  }
}
