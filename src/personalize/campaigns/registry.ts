/**
 * The models a server answers from. A campaign's model is loaded on first use and replaced when a
 * newer version is deployed: the new model is loaded and brought up to date beside the old one,
 * then swapped in with one assignment, so no request ever sees a half-loaded model.
 *
 * Events recorded by PutEvents (on any server sharing the database) are folded into the loaded
 * model in sequence order, so a user's next recommendations reflect them at once. Fold-in memory is
 * bounded: at most `maxFoldedUsers` users across all campaigns carry folded-in events; past that the
 * least recently active one of the account holding the most is forgotten (answered from the trained model, or popularity, until the
 * next training includes their events).
 *
 * A model that fails to load (damaged, truncated) is reported once per version; the model already in
 * service stays, and at start the previous deployed model is served instead when it is intact.
 */
import type { FastifyBaseLogger } from "fastify";
import { deserializeModel, eventWeight, type Model } from "../../engine/index.js";
import { eventsFolded, modelLoadDuration, modelLoadFailures, modelVersion } from "../../observability/metrics.js";
import type { CampaignRecord } from "../../store/personalize-campaigns.js";
import type { Store, Tenant } from "../../store/types.js";
import { DEFAULT_MAX_FOLDED_USERS } from "./defaults.js";

export interface LoadedCampaign {
  tenant: Tenant;
  record: CampaignRecord;
  model: Model;
  /** Last event sequence folded into `model`. */
  eventsSeq: number;
}

const keyOf = (t: Tenant, name: string) => `${t.accountId}\u0000${t.region}\u0000${name}`;

export { DEFAULT_MAX_FOLDED_USERS } from "./defaults.js";

export interface CampaignRegistryOptions {
  /** How often to look for new model versions (ms); 0 never polls (models load on first use). */
  pollMs?: number;
  /** Users carrying folded-in events, across all campaigns, before the least recently active is forgotten. */
  maxFoldedUsers?: number;
  /** Where model loads, failures and the fold-in cap are reported; none: nowhere. */
  log?: FastifyBaseLogger;
}

const DEFAULT_POLL_MS = 1000;

/** No usable model for a campaign: its model file is missing or failed its integrity check. */
export class CampaignUnavailableError extends Error {}

export class CampaignRegistry {
  private readonly loaded = new Map<string, LoadedCampaign>();
  private readonly loading = new Map<string, Promise<LoadedCampaign | undefined>>();
  /** One event sync at a time per campaign keeps fold-in in sequence order. */
  private readonly syncing = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The version of each campaign whose model failed to load, and why: reported once, not retried. */
  private readonly failed = new Map<string, { version: number; error: CampaignUnavailableError }>();
  /** Per account and region: users with folded-in events, least recently active first, and the campaign they are folded into. */
  private readonly folded = new Map<string, Map<string, { campaign: LoadedCampaign; userId: string }>>();
  private foldedCount = 0;
  private foldCapReported = false;
  private firstPollDone = false;

  private readonly pollMs: number;
  readonly maxFoldedUsers: number;
  private readonly log?: FastifyBaseLogger;

  constructor(
    private readonly store: Store,
    options: CampaignRegistryOptions = {},
  ) {
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.maxFoldedUsers = options.maxFoldedUsers ?? DEFAULT_MAX_FOLDED_USERS;
    this.log = options.log;
  }

  /**
   * True once every campaign deployed at start-up has been looked at (loaded, or failed and logged),
   * so a readiness probe can hold traffic until no first request has to wait for a model. A
   * registry that never polls is ready at once: it loads models on first use.
   */
  get ready(): boolean {
    return this.pollMs <= 0 || this.firstPollDone;
  }

  /** Deployed campaigns and the model version this server answers from (undefined: not loaded yet). */
  loadedCampaigns(): { tenant: Tenant; name: string; arn: string; version: number; recipe: string }[] {
    return [...this.loaded.values()].map((c) => ({
      tenant: c.tenant,
      name: c.record.name,
      arn: c.record.arn,
      version: c.record.version,
      recipe: c.record.recipe,
    }));
  }

  start(): void {
    if (this.pollMs <= 0 || this.timer) return;
    const tick = () => {
      this.polling ??= this.poll()
        .then(() => void (this.firstPollDone = true))
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
        const rec = record ?? (await this.store.personalizeCampaigns.get(tenant, name));
        if (!rec) return undefined;
        const started = performance.now();
        const failure = this.failed.get(key);
        if (failure?.version === rec.version) throw failure.error;
        const current = this.loaded.get(key);
        let model: Model;
        try {
          model = await this.readModel(rec.modelKey, rec.arn);
        } catch (err) {
          if (!(err instanceof CampaignUnavailableError)) throw err; // e.g. the database is unreachable: retried
          modelLoadFailures.inc();
          const error = err;
          this.failed.set(key, { version: rec.version, error });
          if (current) {
            this.log?.error(
              { campaign: rec.arn, version: rec.version, serving: current.record.version, reason: error.message },
              "campaign model failed to load; the model in service stays",
            );
            return current;
          }
          const previous = rec.previousModelKey ? await this.readModel(rec.previousModelKey, rec.arn).catch(() => undefined) : undefined;
          if (!previous) {
            this.log?.error(
              { campaign: rec.arn, version: rec.version, reason: error.message },
              "campaign model failed to load and no earlier model is intact; requests are refused until a retrain",
            );
            throw error;
          }
          this.log?.error(
            { campaign: rec.arn, version: rec.version, serving: rec.previousModelKey, reason: error.message },
            "campaign model failed to load; serving the model deployed before it",
          );
          model = previous;
        }
        const fresh: LoadedCampaign = { tenant, record: rec, model, eventsSeq: rec.eventsSeq };
        await this.foldIn(fresh);
        if (!current || current.record.version < rec.version) {
          this.loaded.set(key, fresh);
          modelVersion.set({ account: tenant.accountId, region: tenant.region, campaign: rec.name }, rec.version);
          if (current) this.forgetFolded(current);
        } else {
          this.forgetFolded(fresh); // a newer version was loaded meanwhile
        }
        modelLoadDuration.observe({ recipe: rec.recipe }, (performance.now() - started) / 1000);
        this.log?.info({ campaign: rec.arn, version: rec.version, recipe: rec.recipe }, "campaign model loaded");
        return this.loaded.get(key);
      })().finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Unusable models were reported once by load(); anything else (storage unreachable) is retried and said each time. */
  private logRetry(err: unknown, campaign: string): void {
    if (err instanceof CampaignUnavailableError) return; // reported once where it was found
    modelLoadFailures.inc();
    this.log?.warn({ err, campaign }, "campaign model could not be read; retrying at the next poll");
  }

  private async readModel(key: string, arn: string): Promise<Model> {
    const bytes = await this.store.models.get(key);
    if (!bytes) throw new CampaignUnavailableError(`model ${key} of campaign ${arn} is missing from model storage`);
    try {
      return deserializeModel(bytes);
    } catch (err) {
      throw new CampaignUnavailableError(`model ${key} of campaign ${arn} cannot be used: ${(err as Error).message}`);
    }
  }

  /**
   * Records that `userId` now has folded-in events in `c`, as the most recently active; past the cap,
   * the least recently active user of the account holding the most loses theirs (said once in the log).
   */
  private noteFolded(c: LoadedCampaign, userId: string): void {
    const key = `${keyOf(c.tenant, c.record.name)}\u0000${userId}`;
    const account = `${c.tenant.accountId}\u0000${c.tenant.region}`;
    let mine = this.folded.get(account);
    if (!mine) this.folded.set(account, (mine = new Map()));
    if (!mine.delete(key)) this.foldedCount++;
    mine.set(key, { campaign: c, userId });
    while (this.foldedCount > this.maxFoldedUsers) {
      // The cap is shared fairly: the account holding the most folded-in users gives up its least
      // recently active one, so one account's flood of new users never erases another's events.
      let largest = mine;
      for (const users of this.folded.values()) if (users.size > largest.size) largest = users;
      const [oldestKey, oldest] = largest.entries().next().value!;
      largest.delete(oldestKey);
      this.foldedCount--;
      oldest.campaign.model.forgetFoldedIn(oldest.userId);
      if (!this.foldCapReported) {
        this.foldCapReported = true;
        this.log?.warn(
          { maxFoldedUsers: this.maxFoldedUsers },
          "fold-in cap reached: the least recently active users' real-time events are forgotten until the next retrain includes them (raise --max-folded-users, or retrain more often)",
        );
      }
    }
  }

  /** Drops the bookkeeping of a campaign object that was replaced or deleted. */
  private forgetFolded(c: LoadedCampaign): void {
    for (const [account, users] of this.folded) {
      for (const [key, entry] of users)
        if (entry.campaign === c) {
          users.delete(key);
          this.foldedCount--;
        }
      if (users.size === 0) this.folded.delete(account);
    }
  }

  /** How many users currently carry folded-in events (across campaigns). */
  get foldedUsers(): number {
    return this.foldedCount;
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
      const events = await this.store.personalizeCampaigns.eventsAfter(c.tenant, c.record.name, c.eventsSeq, 5000);
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
      for (const [userId, list] of byUser) {
        c.model.foldIn(userId, list);
        this.noteFolded(c, userId);
      }
      eventsFolded.inc(events.length);
      c.eventsSeq = events[events.length - 1].seq;
    }
  }

  /** Loads new campaigns, notices retrained and deleted ones, and folds in other servers' events. */
  async poll(): Promise<void> {
    const versions = new Map((await this.store.personalizeCampaigns.versions()).map((v) => [keyOf(v, v.name), v]));
    for (const [key, v] of versions) {
      if (this.loaded.has(key) || this.failed.get(key)?.version === v.version) continue;
      const tenant = { accountId: v.accountId, region: v.region };
      // One campaign whose model cannot be read must not stop the others from loading.
      await this.load(tenant, v.name).catch((err) => this.logRetry(err, v.name));
    }
    for (const key of this.failed.keys()) if (!versions.has(key)) this.failed.delete(key);
    for (const [key, c] of this.loaded) {
      const v = versions.get(key);
      if (!v) {
        this.loaded.delete(key);
        this.forgetFolded(c);
        modelVersion.remove({ account: c.tenant.accountId, region: c.tenant.region, campaign: c.record.name });
        this.log?.info({ campaign: c.record.arn }, "campaign deleted; model unloaded");
      } else if (v.version > c.record.version && this.failed.get(key)?.version !== v.version) {
        const rec = await this.store.personalizeCampaigns.get(c.tenant, c.record.name);
        if (rec) await this.load(c.tenant, c.record.name, rec).catch((err) => this.logRetry(err, c.record.name));
      } else {
        await this.syncEvents(c.tenant, c.record.name);
      }
    }
  }
}
