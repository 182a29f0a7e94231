/**
 * Builds, retrains and removes campaigns: trains the embedded engine on a tenant's interaction
 * data and deploys the model by storing it and bumping the campaign's version, which running
 * servers notice and swap in atomically.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
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
} from "../engine/index.js";
import type { CampaignEvent, CampaignRecord } from "../store/campaigns.js";
import type { Store, Tenant } from "../store/types.js";
import { CAMPAIGN_NAME, campaignArn } from "./arn.js";

export class CampaignError extends Error {}

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

function modelKey(t: Tenant, name: string, version: number): string {
  return `${t.accountId}/${t.region}/${name}/v${version}`;
}

/**
 * The interactions file plus the events PutEvents recorded since, as one CSV in the file's own
 * column order, so a retrain learns from everything without loading it all into memory.
 */
async function withRecordedEvents(file: string, events: CampaignEvent[]): Promise<{ path: string; cleanup(): Promise<void> }> {
  if (events.length === 0) return { path: file, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), "pinrec-retrain-"));
  const path = join(dir, "interactions.csv");
  const header = await firstLine(file);
  const columns = header.split(",").map((c) => c.trim().replace(/^"|"$/g, "").toUpperCase());
  const out = createWriteStream(path);
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
  await new Promise<void>((resolve, reject) => out.end(text, () => resolve()).on("error", reject));
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
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
  constructor(private readonly store: Store) {}

  /** Trains and deploys a new campaign, or a new version of an existing one (retrain). */
  async deploy(opts: TrainCampaignOptions, existing?: CampaignRecord): Promise<CampaignRecord> {
    const { tenant, name } = opts;
    if (!CAMPAIGN_NAME.test(name)) throw new CampaignError("campaign names are 1-63 letters, digits, '-' or '_', starting with a letter or digit");
    // Events recorded so far join the training data; later ones are folded in by the servers.
    const eventsSeq = existing ? await this.store.campaigns.lastEventSeq(tenant, name) : 0;
    const events = existing ? await this.allEvents(tenant, name, eventsSeq) : [];
    const source = await withRecordedEvents(opts.interactionsFile, events);
    try {
      const dataset = await importDataset(source.path, { itemsPath: opts.itemsFile, eventWeights: opts.eventWeights, onProgress: opts.onProgress }).catch((err) => {
        // Bad rows can only come from the user's file (copied first, so line numbers match): name it.
        if (err instanceof ImportError && err.file === source.path && source.path !== opts.interactionsFile) {
          throw new ImportError(err.message.split(source.path).join(opts.interactionsFile), opts.interactionsFile, err.errors, err.errorCount);
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
      const key = modelKey(tenant, name, version);
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
        eventsSeq,
        interactionsFile: opts.interactionsFile,
        ...(opts.itemsFile !== undefined && { itemsFile: opts.itemsFile }),
        ...(opts.eventWeights && { eventWeights: opts.eventWeights }),
        ...(tuning && { tuning }),
        stats: { ...dataset.stats, trainingMs: Math.round(model.trainingMs), events: events.length },
        creationDateTime: existing?.creationDateTime ?? now,
        lastUpdatedDateTime: now,
      };
      await this.store.campaigns.put(tenant, record);
      // The previous model stays, for servers that are still loading it; the one before goes.
      if (version > 2) await this.store.models.delete(modelKey(tenant, name, version - 2));
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
  private async search(ds: Dataset, choice: RecipeChoice, seed: number, opts: TrainCampaignOptions, existing?: CampaignRecord): Promise<TuneResult | undefined> {
    const mode = opts.tune ?? "never";
    const budget = opts.tuneBudgetSeconds ?? DEFAULT_TUNE_BUDGET_SECONDS;
    const recipes = tuneCandidates(ds, choice);
    if (recipes.length > 0 && (mode === "always" || (mode === "auto" && tuningFits(ds, recipes, budget)))) {
      return tune(ds, { recipes, seed, budgetSeconds: budget, onProgress: opts.onProgress });
    }
    if (mode === "never" && existing?.tuning && existing.recipeChoice === choice) return existing.tuning;
    return undefined;
  }

  async create(opts: TrainCampaignOptions): Promise<CampaignRecord> {
    if (await this.store.campaigns.get(opts.tenant, opts.name)) {
      throw new CampaignError(`campaign ${opts.name} already exists in ${opts.tenant.accountId}/${opts.tenant.region}; use retrain`);
    }
    return this.deploy(opts);
  }

  async retrain(tenant: Tenant, name: string, changes: Partial<TrainCampaignOptions> = {}): Promise<CampaignRecord> {
    const existing = await this.store.campaigns.get(tenant, name);
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
      existing,
    );
  }

  async delete(tenant: Tenant, name: string): Promise<CampaignRecord> {
    const rec = await this.store.campaigns.delete(tenant, name);
    if (!rec) throw new CampaignError(`no campaign ${name} in ${tenant.accountId}/${tenant.region}`);
    await this.store.models.delete(rec.modelKey);
    if (rec.version > 1) await this.store.models.delete(modelKey(tenant, name, rec.version - 1));
    return rec;
  }

  private async allEvents(tenant: Tenant, name: string, upTo: number): Promise<CampaignEvent[]> {
    const out: CampaignEvent[] = [];
    let after = 0;
    for (;;) {
      const batch = await this.store.campaigns.eventsAfter(tenant, name, after, 10_000);
      for (const e of batch) if (e.seq <= upTo) out.push(e);
      if (batch.length < 10_000 || batch[batch.length - 1].seq >= upTo) return out;
      after = batch[batch.length - 1].seq;
    }
  }
}
