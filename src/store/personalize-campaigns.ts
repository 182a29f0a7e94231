/**
 * Campaigns of the embedded engine and the events PutEvents records against them (their trained
 * model files are in model-blobs.ts). Written once against `SqlDb`, like every repository.
 */
import { tenantLockKey, type SqlDb, type SqlExecutor } from "./sql.js";
import type { Tenant } from "./tenant.js";

export interface CampaignRecord {
  name: string;
  arn: string;
  /** Personalize-style event tracker id that PutEvents names. */
  trackingId: string;
  /** The recipe the model was trained with, and the one asked for (`auto` resolves per data set). */
  recipe: string;
  recipeChoice: string;
  /** Increases with each deployed model; servers reload when it changes. */
  version: number;
  /** Storage key of the deployed model. */
  modelKey: string;
  /** Storage key of the model deployed before it (kept for servers still loading it), if any. */
  previousModelKey?: string;
  /** The last event (by sequence) included in the deployed model's training data. */
  eventsSeq: number;
  interactionsFile: string;
  itemsFile?: string;
  /** How much each event counts, for training and for fold-in alike (absent: every event 1). */
  eventWeights?: StoredEventWeights;
  /** The hyper-parameter search the deployed model's settings came from (every trial, the winner). */
  tuning?: StoredTuning;
  stats: Record<string, number>;
  creationDateTime: string;
  lastUpdatedDateTime: string;
}

/*
 * The engine's event weights and search summary as a campaign record stores them. The store
 * declares them rather than importing the engine's types because a stored record outlives the code
 * that wrote it: a change to these shapes is a change to the stored format, made here on purpose.
 * The engine's EventWeights and TuneResult are assigned to them and read back from them where
 * campaigns are trained, so the compiler reports any drift between the two.
 */

/** How much each event counts (the engine's EventWeights): per EVENT_TYPE, for other types, times EVENT_VALUE. */
export interface StoredEventWeights {
  types: Record<string, number>;
  others?: number;
  eventValue?: boolean;
}

/** One trial of a hyper-parameter search (the engine's TuneTrial). */
export interface StoredTuneTrial {
  recipe: string;
  params: Record<string, unknown>;
  /** NDCG@10 on the validation split. */
  ndcg: number;
  estimatedSeconds: number;
  seconds: number;
}

/** A hyper-parameter search: every trial and the winner (the engine's TuneResult). */
export interface StoredTuning {
  recipe: string;
  params: Record<string, unknown>;
  /** Index into `trials` of the winner; trial 0 is the untuned default. */
  winner: number;
  trials: StoredTuneTrial[];
  defaultNdcg: number;
  bestNdcg: number;
  validation: { fraction: number; users: number; heldOut: number; seed: number };
  budgetSeconds: number;
  stoppedEarly: boolean;
  seconds: number;
}

export interface CampaignEvent {
  seq: number;
  userId: string;
  itemId: string | null;
  eventType: string;
  eventValue: number | null;
  sentAt: string;
}

export interface CampaignVersion {
  accountId: string;
  region: string;
  name: string;
  version: number;
}

export type LeaseOperation = "create" | "retrain" | "delete";

/** Who holds a campaign's lease, for what, and until when (ms since the epoch, database clock). */
export interface CampaignLease {
  owner: string;
  operation: LeaseOperation;
  expiresAt: number;
}

/** What a commit found instead of the state its caller started from. */
export type CommitOutcome = "committed" | "lease-lost" | "exists" | "changed" | "missing";

export interface PersonalizeCampaignRepository {
  /**
   * Takes the campaign's lease for `ttlMs` unless another owner holds one that has not expired, in
   * which case that holder is returned. Create, retrain and delete each hold it for their whole run,
   * so they happen one at a time per campaign across every process on the database.
   */
  acquireLease(
    tenant: Tenant,
    name: string,
    owner: string,
    operation: LeaseOperation,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; holder: CampaignLease }>;
  /** Extends a lease this owner still holds; false once another owner has taken it over. */
  renewLease(tenant: Tenant, name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(tenant: Tenant, name: string, owner: string): Promise<void>;
  /**
   * Deploys `rec` if `owner` still holds the campaign's lease and the campaign is as the caller
   * found it: absent when `expectedVersion` is 0 (create), at that version otherwise (retrain).
   * The model `rec.modelKey` names must already be stored, so no reader ever finds a record whose
   * model is missing or belongs to another run.
   */
  commit(tenant: Tenant, rec: CampaignRecord, owner: string, expectedVersion: number): Promise<CommitOutcome>;
  get(tenant: Tenant, name: string): Promise<CampaignRecord | undefined>;
  getByTrackingId(trackingId: string): Promise<{ tenant: Tenant; campaign: CampaignRecord } | undefined>;
  /** The tenant's campaigns (every tenant's when `tenant` is undefined), in creation order. */
  list(tenant?: Tenant): Promise<{ tenant: Tenant; campaign: CampaignRecord }[]>;
  /** Deployed versions of every campaign: what a server polls to notice new models. */
  versions(): Promise<CampaignVersion[]>;
  /** Deletes the campaign and its recorded events in one transaction, if `owner` holds its lease. */
  delete(tenant: Tenant, name: string, owner: string): Promise<CampaignRecord | "lease-lost" | undefined>;
  /**
   * Records events. Inserts for one campaign are serialised, so sequence order is commit order and
   * a reader that resumes after the last sequence it saw never skips one.
   */
  addEvents(tenant: Tenant, name: string, events: Omit<CampaignEvent, "seq">[]): Promise<void>;
  /** Up to `limit` (default 10,000) of the campaign's events after sequence `seq`, in sequence order. */
  eventsAfter(tenant: Tenant, name: string, seq: number, limit?: number): Promise<CampaignEvent[]>;
  /** The sequence of the campaign's last recorded event; 0 when it has none. */
  lastEventSeq(tenant: Tenant, name: string): Promise<number>;
}

/**
 * The database's clock in ms since the epoch: lease expiry is compared on one clock, so processes on
 * machines whose clocks disagree still agree on whether a lease has expired.
 */
const NOW_MS = {
  sqlite: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
  postgres: "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
};

export class SqlPersonalizeCampaignRepository implements PersonalizeCampaignRepository {
  private readonly nowMs: string;

  constructor(private readonly db: SqlDb) {
    this.nowMs = NOW_MS[db.dialect];
  }

  async acquireLease(
    t: Tenant,
    name: string,
    owner: string,
    operation: LeaseOperation,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; holder: CampaignLease }> {
    return this.db.transaction(tenantLockKey("campaigns", t, name), async (tx) => {
      const row = await tx.get<{ owner: string; operation: LeaseOperation; expires_at: number | string; now: number | string }>(
        `SELECT owner, operation, expires_at, ${this.nowMs} AS now FROM campaign_leases WHERE account_id = ? AND region = ? AND name = ?`,
        [t.accountId, t.region, name],
      );
      if (row && row.owner !== owner && Number(row.expires_at) > Number(row.now)) {
        return { acquired: false as const, holder: { owner: row.owner, operation: row.operation, expiresAt: Number(row.expires_at) } };
      }
      if (row) {
        await tx.run(
          `UPDATE campaign_leases SET owner = ?, operation = ?, expires_at = ${this.nowMs} + ? WHERE account_id = ? AND region = ? AND name = ?`,
          [owner, operation, ttlMs, t.accountId, t.region, name],
        );
      } else {
        await tx.run(
          `INSERT INTO campaign_leases (account_id, region, name, owner, operation, expires_at) VALUES (?, ?, ?, ?, ?, ${this.nowMs} + ?)`,
          [t.accountId, t.region, name, owner, operation, ttlMs],
        );
      }
      return { acquired: true as const };
    });
  }

  async renewLease(t: Tenant, name: string, owner: string, ttlMs: number): Promise<boolean> {
    const { changes } = await this.db.run(
      `UPDATE campaign_leases SET expires_at = ${this.nowMs} + ? WHERE account_id = ? AND region = ? AND name = ? AND owner = ?`,
      [ttlMs, t.accountId, t.region, name, owner],
    );
    return changes === 1;
  }

  async releaseLease(t: Tenant, name: string, owner: string): Promise<void> {
    await this.db.run("DELETE FROM campaign_leases WHERE account_id = ? AND region = ? AND name = ? AND owner = ?", [
      t.accountId,
      t.region,
      name,
      owner,
    ]);
  }

  private async holds(tx: SqlExecutor, t: Tenant, name: string, owner: string): Promise<boolean> {
    const row = await tx.get<{ owner: string }>("SELECT owner FROM campaign_leases WHERE account_id = ? AND region = ? AND name = ?", [
      t.accountId,
      t.region,
      name,
    ]);
    return row?.owner === owner;
  }

  async commit(t: Tenant, rec: CampaignRecord, owner: string, expectedVersion: number): Promise<CommitOutcome> {
    return this.db.transaction(tenantLockKey("campaigns", t, rec.name), async (tx) => {
      if (!(await this.holds(tx, t, rec.name, owner))) return "lease-lost";
      const current = await tx.get<{ version: number | string }>(
        "SELECT version FROM campaigns WHERE account_id = ? AND region = ? AND name = ?",
        [t.accountId, t.region, rec.name],
      );
      if (expectedVersion === 0) {
        if (current) return "exists";
        await tx.run("INSERT INTO campaigns (account_id, region, name, tracking_id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [
          t.accountId,
          t.region,
          rec.name,
          rec.trackingId,
          rec.version,
          JSON.stringify(rec),
        ]);
        return "committed";
      }
      if (!current) return "missing";
      if (Number(current.version) !== expectedVersion) return "changed";
      await tx.run("UPDATE campaigns SET version = ?, tracking_id = ?, doc = ? WHERE account_id = ? AND region = ? AND name = ?", [
        rec.version,
        rec.trackingId,
        JSON.stringify(rec),
        t.accountId,
        t.region,
        rec.name,
      ]);
      return "committed";
    });
  }

  async get(t: Tenant, name: string): Promise<CampaignRecord | undefined> {
    const row = await this.db.get<{ doc: string }>("SELECT doc FROM campaigns WHERE account_id = ? AND region = ? AND name = ?", [
      t.accountId,
      t.region,
      name,
    ]);
    return row ? (JSON.parse(row.doc) as CampaignRecord) : undefined;
  }

  async getByTrackingId(trackingId: string): Promise<{ tenant: Tenant; campaign: CampaignRecord } | undefined> {
    const row = await this.db.get<{ account_id: string; region: string; doc: string }>(
      "SELECT account_id, region, doc FROM campaigns WHERE tracking_id = ?",
      [trackingId],
    );
    return row ? { tenant: { accountId: row.account_id, region: row.region }, campaign: JSON.parse(row.doc) } : undefined;
  }

  async list(t?: Tenant): Promise<{ tenant: Tenant; campaign: CampaignRecord }[]> {
    const rows = t
      ? await this.db.all<{ account_id: string; region: string; doc: string }>(
          "SELECT account_id, region, doc FROM campaigns WHERE account_id = ? AND region = ? ORDER BY seq",
          [t.accountId, t.region],
        )
      : await this.db.all<{ account_id: string; region: string; doc: string }>(
          "SELECT account_id, region, doc FROM campaigns ORDER BY seq",
        );
    return rows.map((r) => ({ tenant: { accountId: r.account_id, region: r.region }, campaign: JSON.parse(r.doc) }));
  }

  async versions(): Promise<CampaignVersion[]> {
    const rows = await this.db.all<{ account_id: string; region: string; name: string; version: number | string }>(
      "SELECT account_id, region, name, version FROM campaigns",
    );
    return rows.map((r) => ({ accountId: r.account_id, region: r.region, name: r.name, version: Number(r.version) }));
  }

  async delete(t: Tenant, name: string, owner: string): Promise<CampaignRecord | "lease-lost" | undefined> {
    return this.db.transaction(tenantLockKey("campaigns", t, name), async (tx) => {
      if (!(await this.holds(tx, t, name, owner))) return "lease-lost";
      const row = await tx.get<{ doc: string }>("DELETE FROM campaigns WHERE account_id = ? AND region = ? AND name = ? RETURNING doc", [
        t.accountId,
        t.region,
        name,
      ]);
      await tx.run("DELETE FROM campaign_events WHERE account_id = ? AND region = ? AND campaign = ?", [t.accountId, t.region, name]);
      return row ? (JSON.parse(row.doc) as CampaignRecord) : undefined;
    });
  }

  async addEvents(t: Tenant, name: string, events: Omit<CampaignEvent, "seq">[]): Promise<void> {
    await this.db.transaction(tenantLockKey("campaign-events", t, name), async (tx) => {
      for (const e of events) {
        await tx.run(
          "INSERT INTO campaign_events (account_id, region, campaign, user_id, item_id, event_type, event_value, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          [t.accountId, t.region, name, e.userId, e.itemId, e.eventType, e.eventValue, e.sentAt],
        );
      }
    });
  }

  async eventsAfter(t: Tenant, name: string, seq: number, limit = 10_000): Promise<CampaignEvent[]> {
    const rows = await this.db.all<{
      seq: number | string;
      user_id: string;
      item_id: string | null;
      event_type: string;
      event_value: number | null;
      sent_at: string;
    }>(
      "SELECT seq, user_id, item_id, event_type, event_value, sent_at FROM campaign_events WHERE account_id = ? AND region = ? AND campaign = ? AND seq > ? ORDER BY seq LIMIT ?",
      [t.accountId, t.region, name, seq, limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      userId: r.user_id,
      itemId: r.item_id,
      eventType: r.event_type,
      eventValue: r.event_value === null ? null : Number(r.event_value),
      sentAt: r.sent_at,
    }));
  }

  async lastEventSeq(t: Tenant, name: string): Promise<number> {
    const row = await this.db.get<{ s: number | string | null }>(
      "SELECT MAX(seq) AS s FROM campaign_events WHERE account_id = ? AND region = ? AND campaign = ?",
      [t.accountId, t.region, name],
    );
    return Number(row?.s ?? 0);
  }
}
