/**
 * The models a server answers from. A campaign's model is loaded on first use and replaced when a
 * newer version is deployed: the new model is loaded and brought up to date beside the old one,
 * then swapped in with one assignment, so no request ever sees a half-loaded model.
 *
 * Events recorded by PutEvents (on any server sharing the database) are folded into the loaded
 * model in sequence order, so a user's next recommendations reflect them at once.
 */
import type { FastifyBaseLogger } from "fastify";
import { deserializeModel, eventWeight, type Model } from "../engine/index.js";
import type { CampaignRecord } from "../store/campaigns.js";
import type { Store, Tenant } from "../store/types.js";

export interface LoadedCampaign {
  tenant: Tenant;
  record: CampaignRecord;
  model: Model;
  /** Last event sequence folded into `model`. */
  eventsSeq: number;
}

const keyOf = (t: Tenant, name: string) => `${t.accountId}\u0000${t.region}\u0000${name}`;

export class CampaignRegistry {
  private readonly loaded = new Map<string, LoadedCampaign>();
  private readonly loading = new Map<string, Promise<LoadedCampaign | undefined>>();
  /** One event sync at a time per campaign keeps fold-in in sequence order. */
  private readonly syncing = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly pollMs = 1000,
    /** Set once the server's logger exists. */
    public log?: FastifyBaseLogger,
  ) {}

  start(): void {
    if (this.pollMs <= 0 || this.timer) return;
    const tick = () => {
      this.polling ??= this.poll()
        .catch((err) => this.log?.warn({ err }, "campaign poll failed"))
        .finally(() => (this.polling = undefined));
    };
    tick(); // load every deployed model now, so no first request waits for one
    this.timer = setInterval(tick, this.pollMs);
    this.timer.unref();
  }

  /** The version of a campaign's model this server answers from, if it has loaded one. */
  loadedVersion(tenant: Tenant, name: string): number | undefined {
    return this.loaded.get(keyOf(tenant, name))?.record.version;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** The campaign's current model, loading it on first use; undefined when there is no such campaign. */
  async get(tenant: Tenant, name: string): Promise<LoadedCampaign | undefined> {
    const key = keyOf(tenant, name);
    const hit = this.loaded.get(key);
    if (hit) return hit;
    return this.load(tenant, name);
  }

  private load(tenant: Tenant, name: string, record?: CampaignRecord): Promise<LoadedCampaign | undefined> {
    const key = keyOf(tenant, name);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = (async () => {
        const rec = record ?? (await this.store.campaigns.get(tenant, name));
        if (!rec) return undefined;
        const bytes = await this.store.models.get(rec.modelKey);
        if (!bytes) throw new Error(`model ${rec.modelKey} of campaign ${rec.arn} is missing from model storage`);
        const fresh: LoadedCampaign = { tenant, record: rec, model: deserializeModel(bytes), eventsSeq: rec.eventsSeq };
        await this.foldIn(fresh);
        const current = this.loaded.get(key);
        if (!current || current.record.version < rec.version) this.loaded.set(key, fresh);
        this.log?.info({ campaign: rec.arn, version: rec.version, recipe: rec.recipe }, "campaign model loaded");
        return this.loaded.get(key);
      })().finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Brings a loaded campaign up to date with recorded events. */
  syncEvents(tenant: Tenant, name: string): Promise<void> {
    const key = keyOf(tenant, name);
    const prev = this.syncing.get(key) ?? Promise.resolve();
    const next = prev.then(async () => {
      const c = this.loaded.get(key);
      if (c) await this.foldIn(c);
    });
    const tracked = next.finally(() => {
      if (this.syncing.get(key) === tracked) this.syncing.delete(key);
    });
    this.syncing.set(key, tracked);
    return tracked;
  }

  private async foldIn(c: LoadedCampaign): Promise<void> {
    for (;;) {
      const events = await this.store.campaigns.eventsAfter(c.tenant, c.record.name, c.eventsSeq, 5000);
      if (events.length === 0) return;
      const byUser = new Map<string, { itemId: string; weight: number }[]>();
      for (const e of events) {
        if (e.itemId === null) continue;
        // The campaign's event weights, exactly as training applied them to its CSV rows.
        const weight = eventWeight(c.record.eventWeights, e.eventType, e.eventValue);
        if (!(weight > 0)) continue;
        const list = byUser.get(e.userId) ?? [];
        list.push({ itemId: e.itemId, weight });
        byUser.set(e.userId, list);
      }
      for (const [userId, list] of byUser) c.model.foldIn(userId, list);
      c.eventsSeq = events[events.length - 1].seq;
    }
  }

  /** Loads new campaigns, notices retrained and deleted ones, and folds in other servers' events. */
  async poll(): Promise<void> {
    const versions = new Map((await this.store.campaigns.versions()).map((v) => [keyOf(v, v.name), v]));
    for (const [key, v] of versions) {
      if (this.loaded.has(key)) continue;
      const tenant = { accountId: v.accountId, region: v.region };
      // One campaign whose model cannot be read must not stop the others from loading.
      await this.load(tenant, v.name).catch((err) => this.log?.error({ err, campaign: v.name, account: v.accountId }, "campaign model failed to load"));
    }
    for (const [key, c] of this.loaded) {
      const v = versions.get(key);
      if (!v) {
        this.loaded.delete(key);
        this.log?.info({ campaign: c.record.arn }, "campaign deleted; model unloaded");
      } else if (v.version > c.record.version) {
        const rec = await this.store.campaigns.get(c.tenant, c.record.name);
        if (rec) await this.load(c.tenant, c.record.name, rec);
      } else {
        await this.syncEvents(c.tenant, c.record.name);
      }
    }
  }
}
