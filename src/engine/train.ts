/**
 * Training entry point: resolves the recipe once through the registry, runs it, and packages a Model.
 */
import { Model } from "./model.js";
import type { ModelData, Recipe } from "./model-data.js";
import { recipeDefinition } from "./recipe.js";
import type { IalsParams } from "./recipes/ials/index.js";
import { DEFAULT_EASE, type EaseParams } from "./recipes/ease/index.js";
import type { Dataset, ProgressCallback } from "./dataset.js";

export type RecipeChoice = Recipe | "auto";

export interface TrainOptions {
  /** Default "auto": EASE when the catalogue has ≤ autoEaseMaxItems items, else iALS. */
  recipe?: RecipeChoice;
  /** Seed for every random choice; same data + options + seed → identical model bytes. */
  seed?: number;
  ials?: Partial<IalsParams>;
  ease?: Partial<EaseParams>;
  /** Hyper-parameters of any registered recipe, by recipe name (merged over `ials`/`ease`). */
  params?: Record<string, Record<string, unknown>>;
  /**
   * "auto" uses EASE up to this many items. EASE needs no iterations and is robust to its one
   * hyper-parameter; with the SIMD inverse it trains 3,000 items in ~3 s on the reference machine,
   * but its model is a dense n×n float32 matrix (36 MB at 3,000 items, 100 MB at 5,000) held by
   * every serving process, and its time grows as n³. Above this iALS, whose model grows as n·k.
   * Default 3000.
   */
  autoEaseMaxItems?: number;
  /** Worker threads for iALS (default: min(2, cores); small datasets run inline). */
  threads?: number;
  onProgress?: ProgressCallback;
}

export const DEFAULT_AUTO_EASE_MAX_ITEMS = 3000;

/** Which concrete recipe "auto" (or an explicit choice) resolves to for a dataset. */
export function resolveRecipe(ds: Dataset, opts: TrainOptions = {}): Recipe {
  const r = opts.recipe ?? "auto";
  if (r !== "auto") return r;
  if (ds.indices.length === 0) return "popularity";
  const limit = Math.min(opts.autoEaseMaxItems ?? DEFAULT_AUTO_EASE_MAX_ITEMS, opts.ease?.maxItems ?? DEFAULT_EASE.maxItems);
  return ds.items.size <= limit ? "ease" : "ials";
}

/** Item popularity = number of distinct users who interacted with the item. */
export function itemPopularity(ds: Dataset): Float32Array {
  const pop = new Float32Array(ds.items.size);
  for (let e = 0; e < ds.indices.length; e++) pop[ds.indices[e]] += 1;
  return pop;
}

/** Train a model. The returned Model also carries `trainingMs` (not stored in the file, to keep bytes deterministic). */
export async function train(ds: Dataset, opts: TrainOptions = {}): Promise<Model & { trainingMs: number }> {
  const t0 = performance.now();
  const recipe = resolveRecipe(ds, opts);
  const seed = opts.seed ?? 42;
  const def = recipeDefinition(recipe);
  const params = { ...def.defaults, ...recipeOverrides(recipe, opts) };
  const trained = await def.train(ds, params, { seed, threads: opts.threads, onProgress: opts.onProgress });
  const data: ModelData = {
    recipe,
    params: trained.params,
    seed,
    stats: { users: ds.users.size, items: ds.items.size, interactions: ds.indices.length, ...trained.stats },
    userIds: ds.users.ids,
    itemIds: ds.items.ids,
    metadata: ds.metadata,
    seenIndptr: ds.indptr,
    seenIndices: ds.indices,
    seenWeights: ds.weights,
    popularity: itemPopularity(ds),
    arrays: trained.arrays,
  };
  const model = new Model(data) as Model & { trainingMs: number };
  model.trainingMs = performance.now() - t0;
  return model;
}

/** The caller's hyper-parameters for one recipe: the `ials`/`ease` shorthands, then `params[recipe]`. */
function recipeOverrides(recipe: string, opts: TrainOptions): Record<string, unknown> {
  const shorthand = recipe === "ials" ? opts.ials : recipe === "ease" ? opts.ease : undefined;
  return { ...shorthand, ...opts.params?.[recipe] };
}
