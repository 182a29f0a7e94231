/**
 * Campaigns of the embedded engine, the events PutEvents records against them, and where their
 * trained model files live. Written once against `SqlDb`, like every repository.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tenantLockKey, type SqlDb } from "./sql.js";
import type { Tenant } from "./types.js";
import type { EventWeights } from "../engine/event-weights.js";
import type { TuneResult } from "../engine/tune.js";

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
  /** The last event (by sequence) included in the deployed model's training data. */
  eventsSeq: number;
  interactionsFile: string;
  itemsFile?: string;
  /** How much each event counts, for training and for fold-in alike (absent: every event 1). */
  eventWeights?: EventWeights;
  /** The hyper-parameter search the deployed model's settings came from (every trial, the winner). */
  tuning?: TuneResult;
  stats: Record<string, number>;
  creationDateTime: string;
  lastUpdatedDateTime: string;
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

export class SqlCampaignRepository {
  constructor(private readonly db: SqlDb) {}

  /** Inserts or replaces the campaign (one row per tenant and name). */
  async put(t: Tenant, rec: CampaignRecord): Promise<void> {
    await this.db.transaction(tenantLockKey("campaigns", t, rec.name), async (tx) => {
      const { changes } = await tx.run(
        "UPDATE campaigns SET version = ?, tracking_id = ?, doc = ? WHERE account_id = ? AND region = ? AND name = ?",
        [rec.version, rec.trackingId, JSON.stringify(rec), t.accountId, t.region, rec.name],
      );
      if (changes === 0) {
        await tx.run("INSERT INTO campaigns (account_id, region, name, tracking_id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [
          t.accountId,
          t.region,
          rec.name,
          rec.trackingId,
          rec.version,
          JSON.stringify(rec),
        ]);
      }
    });
  }

  async get(t: Tenant, name: string): Promise<CampaignRecord | undefined> {
    const row = await this.db.get<{ doc: string }>("SELECT doc FROM campaigns WHERE account_id = ? AND region = ? AND name = ?", [t.accountId, t.region, name]);
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
      ? await this.db.all<{ account_id: string; region: string; doc: string }>("SELECT account_id, region, doc FROM campaigns WHERE account_id = ? AND region = ? ORDER BY seq", [t.accountId, t.region])
      : await this.db.all<{ account_id: string; region: string; doc: string }>("SELECT account_id, region, doc FROM campaigns ORDER BY seq");
    return rows.map((r) => ({ tenant: { accountId: r.account_id, region: r.region }, campaign: JSON.parse(r.doc) }));
  }

  /** Deployed versions of every campaign: what a server polls to notice new models. */
  async versions(): Promise<CampaignVersion[]> {
    const rows = await this.db.all<{ account_id: string; region: string; name: string; version: number | string }>("SELECT account_id, region, name, version FROM campaigns");
    return rows.map((r) => ({ accountId: r.account_id, region: r.region, name: r.name, version: Number(r.version) }));
  }

  /** Deletes the campaign and its recorded events in one transaction. */
  async delete(t: Tenant, name: string): Promise<CampaignRecord | undefined> {
    return this.db.transaction(tenantLockKey("campaigns", t, name), async (tx) => {
      const row = await tx.get<{ doc: string }>("DELETE FROM campaigns WHERE account_id = ? AND region = ? AND name = ? RETURNING doc", [t.accountId, t.region, name]);
      await tx.run("DELETE FROM campaign_events WHERE account_id = ? AND region = ? AND campaign = ?", [t.accountId, t.region, name]);
      return row ? (JSON.parse(row.doc) as CampaignRecord) : undefined;
    });
  }

  /**
   * Records events. Inserts for one campaign are serialised, so sequence order is commit order and
   * a reader that resumes after the last sequence it saw never skips one.
   */
  async addEvents(t: Tenant, name: string, events: Omit<CampaignEvent, "seq">[]): Promise<void> {
    await this.db.transaction(tenantLockKey("campaign-events", t, name), async (tx) => {
      for (const e of events) {
        await tx.run("INSERT INTO campaign_events (account_id, region, campaign, user_id, item_id, event_type, event_value, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
          t.accountId,
          t.region,
          name,
          e.userId,
          e.itemId,
          e.eventType,
          e.eventValue,
          e.sentAt,
        ]);
      }
    });
  }

  async eventsAfter(t: Tenant, name: string, seq: number, limit = 10_000): Promise<CampaignEvent[]> {
    const rows = await this.db.all<{ seq: number | string; user_id: string; item_id: string | null; event_type: string; event_value: number | null; sent_at: string }>(
      "SELECT seq, user_id, item_id, event_type, event_value, sent_at FROM campaign_events WHERE account_id = ? AND region = ? AND campaign = ? AND seq > ? ORDER BY seq LIMIT ?",
      [t.accountId, t.region, name, seq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), userId: r.user_id, itemId: r.item_id, eventType: r.event_type, eventValue: r.event_value === null ? null : Number(r.event_value), sentAt: r.sent_at }));
  }

  async lastEventSeq(t: Tenant, name: string): Promise<number> {
    const row = await this.db.get<{ s: number | string | null }>("SELECT MAX(seq) AS s FROM campaign_events WHERE account_id = ? AND region = ? AND campaign = ?", [t.accountId, t.region, name]);
    return Number(row?.s ?? 0);
  }
}

/** Where trained model files live: the data dir for SQLite setups, the database for PostgreSQL ones. */
export interface ModelBlobStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function checkKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split("/").some((p) => p === "." || p === "..")) throw new Error(`invalid model key ${key}`);
}

export class FileModelBlobStore implements ModelBlobStore {
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    checkKey(key);
    const path = join(this.root, `${key}.bin`);
    await mkdir(join(path, ".."), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes, { flush: true });
    await rename(tmp, path); // readers see the old file or the new one, never half of one
  }

  async get(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    try {
      return await readFile(join(this.root, `${key}.bin`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await rm(join(this.root, `${key}.bin`), { force: true });
  }
}

export class SqlModelBlobStore implements ModelBlobStore {
  constructor(private readonly db: SqlDb) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    checkKey(key);
    await this.db.run("INSERT INTO model_blobs (key, bytes) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes", [key, bytes]);
  }

  async get(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    const row = await this.db.get<{ bytes: Buffer }>("SELECT bytes FROM model_blobs WHERE key = ?", [key]);
    return row ? Buffer.from(row.bytes) : undefined;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.db.run("DELETE FROM model_blobs WHERE key = ?", [key]);
  }
}
