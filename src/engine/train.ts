/**
 * Training entry point: resolves the recipe once through the registry, runs it, and packages a Model.
 * Nothing here knows a recipe by name: hyper-parameters, "auto" and its limits come from the
 * recipe definitions (recipe.ts; the built-in ones in recipes/).
 */
import { Model } from "./model.js";
import type { ModelData, Recipe } from "./model-data.js";
import { autoRecipes, recipeDefinition, type RecipeDefinition } from "./recipe.js";
import { dataShape, type Dataset, type ProgressCallback } from "./dataset.js";
import type { BuiltInRecipeOptions } from "./recipes/index.js";

export type RecipeChoice = Recipe | "auto";

/** Train options; the built-in recipes add options of their own (recipes/index.ts). */
export interface TrainOptions extends BuiltInRecipeOptions {
  /** Default "auto": the first recipe whose `auto` rule takes the data set (the built-in rules: recipes/index.ts). */
  recipe?: RecipeChoice;
  /** Seed for every random choice; same data + options + seed → identical model bytes. */
  seed?: number;
  /** Hyper-parameters of any registered recipe, by recipe name (merged over the recipe's own option). */
  params?: Record<string, Record<string, unknown>>;
  /** Worker threads, for recipes that use them (default: min(2, cores); small datasets run inline). */
  threads?: number;
  onProgress?: ProgressCallback;
}

/** Which concrete recipe "auto" (or an explicit choice) resolves to for a dataset. */
export function resolveRecipe(ds: Dataset, opts: TrainOptions = {}): Recipe {
  const r = opts.recipe ?? "auto";
  if (r !== "auto") return r;
  const shape = dataShape(ds);
  const chosen = autoRecipes().find((def) => {
    const params = recipeParams(def, opts);
    return (def.canTrain?.(shape, params) ?? true) && def.auto.picks(shape, params, opts);
  });
  if (!chosen) throw new Error(`no registered recipe takes "auto" for ${shape.items} items and ${shape.interactions} interactions`);
  return chosen.name;
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
  const params = recipeParams(def, opts);
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

/** A recipe's hyper-parameters for a run: its defaults, then its own train option (`shorthand`), then `params[recipe]`. */
function recipeParams(def: RecipeDefinition<object>, opts: TrainOptions): object {
  return { ...def.defaults, ...def.shorthand?.(opts), ...opts.params?.[def.name] };
}
