/**
 * Builds, retrains and removes campaigns: trains the embedded engine on a tenant's interaction
 * data and deploys the model by storing it and bumping the campaign's version, which running
 * servers notice and swap in atomically.
 *
 * Create, retrain and delete of one campaign happen one at a time across every process sharing the
 * database: each holds the campaign's lease in the store for its whole run (renewed while training,
 * so a crashed trainer's lease simply expires). A model is stored under a name of its own before the
 * record that points to it is committed, so a campaign record always matches its model.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  csvField,
  DEFAULT_TUNE_BUDGET_SECONDS,
  ImportError,
  importDataset,
  serializeModel,
  train,
  tune,
  tuneCandidates,
  tuningFits,
  type Dataset,
  type EventWeights,
  type ProgressCallback,
  type RecipeChoice,
  type TuneResult,
} from "../../engine/index.js";
import type { CampaignEvent, CampaignRecord, CommitOutcome, LeaseOperation } from "../../store/personalize-campaigns.js";
import { PRIVATE_FILE_MODE } from "../../store/files.js";
import type { Store, Tenant } from "../../store/types.js";
import { CAMPAIGN_NAME, campaignArn } from "./arn.js";

export class CampaignError extends Error {}

/**
 * The campaign already exists, or another process is creating, retraining or deleting it: the
 * command was valid but the campaign's state refused it (the CLI exits with 1, not 2).
 */
export class CampaignConflictError extends CampaignError {}

/** How long a lease lasts without renewal; a trainer renews it every third of this. */
export const DEFAULT_LEASE_MS = 60_000;

const DOING: Record<LeaseOperation, string> = { create: "created", retrain: "retrained", delete: "deleted" };

/** A campaign's input file that is not there: `recorded` when it is the path saved with the campaign (moved since). */
export class MissingInputFileError extends CampaignError {
  constructor(
    readonly input: "interactions" | "items",
    readonly path: string,
    readonly recorded: boolean,
  ) {
    super(`the ${recorded ? "campaign's " : ""}${input} file ${path} does not exist`);
  }
}

export interface TrainCampaignOptions {
  tenant: Tenant;
  name: string;
  interactionsFile: string;
  itemsFile?: string;
  recipe?: RecipeChoice;
  seed?: number;
  /** Weights per EVENT_TYPE (and EVENT_VALUE), kept with the campaign so fold-in applies them too. */
  eventWeights?: EventWeights;
  /**
   * Hyper-parameter tuning on a validation split of this data: "always", "auto" (only when the
   * search fits the budget by the cost estimates) or "never" (default; a retrain then reuses the
   * last search's winner when the recipe is unchanged).
   */
  tune?: TuneMode;
  /** Seconds for the search and the final retrain (default 60). */
  tuneBudgetSeconds?: number;
  onProgress?: ProgressCallback;
}

export type TuneMode = "always" | "auto" | "never";
export const TUNE_MODES: TuneMode[] = ["always", "auto", "never"];

export const RECIPES: RecipeChoice[] = ["auto", "ials", "ease", "popularity"];

/** Where a campaign's models are stored; each deploy adds `v<version>-<run>` below it. */
function modelPrefix(t: Tenant, name: string): string {
  return `${t.accountId}/${t.region}/${name}`;
}

/**
 * The interactions file plus the events PutEvents recorded since, as one CSV in the file's own
 * column order, so a retrain learns from everything without loading it all into memory.
 */
async function withRecordedEvents(file: string, events: CampaignEvent[]): Promise<{ path: string; cleanup(): Promise<void> }> {
  if (events.length === 0) return { path: file, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), "pinrec-retrain-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const path = join(dir, "interactions.csv");
    const header = await firstLine(file);
    const columns = header.split(",").map((c) => c.trim().replace(/^"|"$/g, "").toUpperCase());
    const out = createWriteStream(path, { mode: PRIVATE_FILE_MODE });
    await pipeline(createReadStream(file), out, { end: false });
    let text = header.length > 0 && !(await endsWithNewline(file)) ? "\n" : "";
    for (const e of events) {
      if (e.itemId === null) continue;
      const value: Record<string, string> = {
        USER_ID: e.userId,
        ITEM_ID: e.itemId,
        TIMESTAMP: String(Math.floor(Date.parse(e.sentAt) / 1000)),
        EVENT_TYPE: e.eventType,
        EVENT_VALUE: e.eventValue === null ? "" : String(e.eventValue),
      };
      text += columns.map((c) => csvField(value[c] ?? "")).join(",") + "\n";
    }
    await new Promise<void>((resolve, reject) => {
      out.on("error", reject);
      out.end(text, () => resolve());
    });
    return { path, cleanup };
  } catch (err) {
    await cleanup(); // e.g. a full disk: no half-written copy left in the temp directory
    throw err;
  }
}

async function firstLine(file: string): Promise<string> {
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 64 * 1024 });
  let buf = "";
  for await (const chunk of stream) {
    buf += chunk;
    const nl = buf.indexOf("\n");
    if (nl !== -1) {
      stream.destroy();
      return buf.slice(0, nl).replace(/\r$/, "");
    }
  }
  return buf;
}

async function endsWithNewline(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    await fh.close();
  }
}

export class CampaignTrainer {
  constructor(
    private readonly store: Store,
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {}

  /** Trains and deploys a new campaign, or a new version of `existing` (retrain), under the lease `owner` holds. */
  private async deploy(opts: TrainCampaignOptions, owner: string, existing?: CampaignRecord): Promise<CampaignRecord> {
    const { tenant, name } = opts;
    if (!existsSync(opts.interactionsFile)) {
      throw new MissingInputFileError("interactions", opts.interactionsFile, opts.interactionsFile === existing?.interactionsFile);
    }
    if (opts.itemsFile !== undefined && !existsSync(opts.itemsFile))
      throw new MissingInputFileError("items", opts.itemsFile, opts.itemsFile === existing?.itemsFile);
    // Events recorded so far join the training data; later ones are folded in by the servers.
    const eventsSeq = existing ? await this.store.personalizeCampaigns.lastEventSeq(tenant, name) : 0;
    const events = existing ? await this.allEvents(tenant, name, eventsSeq) : [];
    const source = await withRecordedEvents(opts.interactionsFile, events);
    try {
      const dataset = await importDataset(source.path, {
        itemsPath: opts.itemsFile,
        eventWeights: opts.eventWeights,
        onProgress: opts.onProgress,
      }).catch((err) => {
        // Bad rows can only come from the user's file (copied first, so line numbers match): name it.
        if (err instanceof ImportError && err.file === source.path && source.path !== opts.interactionsFile) {
          throw new ImportError(
            err.message.split(source.path).join(opts.interactionsFile),
            opts.interactionsFile,
            err.errors,
            err.errorCount,
          );
        }
        throw err;
      });
      const seed = opts.seed ?? 1;
      const choice = opts.recipe ?? "auto";
      const tuning = await this.search(dataset, choice, seed, opts, existing);
      const model = tuning
        ? await train(dataset, { recipe: tuning.recipe, params: { [tuning.recipe]: tuning.params }, seed, onProgress: opts.onProgress })
        : await train(dataset, { recipe: choice, seed, onProgress: opts.onProgress });
      const version = (existing?.version ?? 0) + 1;
      const prefix = modelPrefix(tenant, name);
      // A name no other run uses: a trainer that lost its lease can never overwrite the deployed model.
      const key = `${prefix}/v${version}-${owner.slice(0, 8)}`;
      await this.store.models.put(key, serializeModel(model));
      const now = new Date().toISOString();
      const record: CampaignRecord = {
        name,
        arn: campaignArn(tenant, name),
        trackingId: existing?.trackingId ?? randomUUID(),
        recipe: model.recipe,
        recipeChoice: opts.recipe ?? "auto",
        version,
        modelKey: key,
        ...(existing && { previousModelKey: existing.modelKey }),
        eventsSeq,
        interactionsFile: opts.interactionsFile,
        ...(opts.itemsFile !== undefined && { itemsFile: opts.itemsFile }),
        ...(opts.eventWeights && { eventWeights: opts.eventWeights }),
        ...(tuning && { tuning }),
        stats: { ...dataset.stats, trainingMs: Math.round(model.trainingMs), events: events.length },
        creationDateTime: existing?.creationDateTime ?? now,
        lastUpdatedDateTime: now,
      };
      const outcome = await this.store.personalizeCampaigns.commit(tenant, record, owner, existing?.version ?? 0).catch(async (err) => {
        await this.store.models.delete(key).catch(() => {});
        throw err;
      });
      if (outcome !== "committed") {
        await this.store.models.delete(key);
        throw this.refused(tenant, name, outcome);
      }
      // The previous model stays, for servers that are still loading it; older ones and any left by
      // crashed runs go.
      for (const k of await this.store.models.list(prefix)) {
        if (k !== key && k !== existing?.modelKey) await this.store.models.delete(k);
      }
      return record;
    } finally {
      await source.cleanup();
    }
  }

  /**
   * The tuned recipe and hyper-parameters to train with, or undefined for the untuned defaults:
   * a new search when asked (or, for "auto", when it fits the budget), else the campaign's last
   * search when a retrain keeps its recipe choice.
   */
  private async search(
    ds: Dataset,
    choice: RecipeChoice,
    seed: number,
    opts: TrainCampaignOptions,
    existing?: CampaignRecord,
  ): Promise<TuneResult | undefined> {
    const mode = opts.tune ?? "never";
    const budget = opts.tuneBudgetSeconds ?? DEFAULT_TUNE_BUDGET_SECONDS;
    const recipes = tuneCandidates(ds, choice);
    if (recipes.length > 0 && (mode === "always" || (mode === "auto" && tuningFits(ds, recipes, budget)))) {
      return tune(ds, { recipes, seed, budgetSeconds: budget, onProgress: opts.onProgress });
    }
    if (mode === "never" && existing?.tuning && existing.recipeChoice === choice) return existing.tuning;
    return undefined;
  }

  private refused(tenant: Tenant, name: string, outcome: Exclude<CommitOutcome, "committed">): CampaignError {
    const where = `${tenant.accountId}/${tenant.region}`;
    switch (outcome) {
      case "exists":
        return this.exists(tenant, name);
      case "missing":
        return new CampaignConflictError(`campaign '${name}' was deleted in ${where} while this run was training; nothing was deployed`);
      case "changed":
        return new CampaignConflictError(
          `campaign '${name}' in ${where} was changed by another process while this run was training; nothing was deployed`,
        );
      case "lease-lost":
        return new CampaignConflictError(
          `this run lost campaign '${name}''s lease in ${where} (it was not renewed within ${this.leaseMs} ms) and another process took it over; nothing was deployed`,
        );
    }
  }

  private exists(tenant: Tenant, name: string): CampaignConflictError {
    return new CampaignConflictError(`campaign '${name}' already exists in ${tenant.accountId}/${tenant.region}; use retrain`);
  }

  /**
   * Runs `fn` holding the campaign's lease, renewed every third of its lifetime, and releases it
   * after. Refused with a CampaignConflictError while another process holds it.
   */
  private async withLease<T>(tenant: Tenant, name: string, operation: LeaseOperation, fn: (owner: string) => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const got = await this.store.personalizeCampaigns.acquireLease(tenant, name, owner, operation, this.leaseMs);
    if (!got.acquired) {
      throw new CampaignConflictError(
        `campaign '${name}' is being ${DOING[got.holder.operation]} by another process in ${tenant.accountId}/${tenant.region}; try again when it has finished (if that process stopped, its lease expires at ${new Date(got.holder.expiresAt).toISOString()})`,
      );
    }
    // A failed renewal is noticed at commit, which then deploys nothing.
    const timer = setInterval(
      () => void this.store.personalizeCampaigns.renewLease(tenant, name, owner, this.leaseMs).catch(() => {}),
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    try {
      return await fn(owner);
    } finally {
      clearInterval(timer);
      await this.store.personalizeCampaigns.releaseLease(tenant, name, owner).catch(() => {});
    }
  }

  async create(opts: TrainCampaignOptions): Promise<CampaignRecord> {
    const { tenant, name } = opts;
    if (!CAMPAIGN_NAME.test(name))
      throw new CampaignError("campaign names are 1-63 letters, digits, '-' or '_', starting with a letter or digit");
    if (await this.store.personalizeCampaigns.get(tenant, name)) throw this.exists(tenant, name);
    return this.withLease(tenant, name, "create", async (owner) => {
      // Another process may have finished creating it between the check above and the lease.
      if (await this.store.personalizeCampaigns.get(tenant, name)) throw this.exists(tenant, name);
      try {
        return await this.deploy(opts, owner);
      } catch (err) {
        // A failed first deploy leaves no empty model directory behind.
        const prefix = modelPrefix(tenant, name);
        if ((await this.store.models.list(prefix).catch(() => ["?"])).length === 0)
          await this.store.models.deleteAll(prefix).catch(() => {});
        throw err;
      }
    });
  }

  async retrain(tenant: Tenant, name: string, changes: Partial<TrainCampaignOptions> = {}): Promise<CampaignRecord> {
    if (!(await this.store.personalizeCampaigns.get(tenant, name)))
      throw new CampaignError(`no campaign ${name} in ${tenant.accountId}/${tenant.region}`);
    return this.withLease(tenant, name, "retrain", async (owner) => {
      // Read under the lease: the version this run replaces cannot change until it commits.
      const existing = await this.store.personalizeCampaigns.get(tenant, name);
      if (!existing) throw new CampaignError(`no campaign ${name} in ${tenant.accountId}/${tenant.region}`);
      const recipe = changes.recipe ?? (existing.recipeChoice as RecipeChoice);
      return this.deploy(
        {
          tenant,
          name,
          interactionsFile: changes.interactionsFile ?? existing.interactionsFile,
          itemsFile: changes.itemsFile ?? existing.itemsFile,
          recipe,
          eventWeights: changes.eventWeights ?? existing.eventWeights,
          tune: changes.tune,
          tuneBudgetSeconds: changes.tuneBudgetSeconds,
          seed: changes.seed,
          onProgress: changes.onProgress,
        },
        owner,
        existing,
      );
    });
  }

  /** Deletes the campaign, its recorded events and every model file, leaving no directory behind. */
  async delete(tenant: Tenant, name: string): Promise<CampaignRecord> {
    if (!(await this.store.personalizeCampaigns.get(tenant, name)))
      throw new CampaignError(`no campaign ${name} in ${tenant.accountId}/${tenant.region}`);
    return this.withLease(tenant, name, "delete", async (owner) => {
      const rec = await this.store.personalizeCampaigns.delete(tenant, name, owner);
      if (rec === "lease-lost") throw this.refused(tenant, name, rec);
      if (!rec) throw new CampaignError(`no campaign ${name} in ${tenant.accountId}/${tenant.region}`);
      await this.store.models.deleteAll(modelPrefix(tenant, name));
      return rec;
    });
  }

  private async allEvents(tenant: Tenant, name: string, upTo: number): Promise<CampaignEvent[]> {
    const out: CampaignEvent[] = [];
    let after = 0;
    for (;;) {
      const batch = await this.store.personalizeCampaigns.eventsAfter(tenant, name, after, 10_000);
      for (const e of batch) if (e.seq <= upTo) out.push(e);
      if (batch.length < 10_000 || batch[batch.length - 1].seq >= upTo) return out;
      after = batch[batch.length - 1].seq;
    }
  }
}
