/**
 * Hyper-parameter tuning on the user's own data, as Amazon Personalize's HPO does for a solution:
 * hold out a seeded per-user validation split of the training data, train candidate
 * configurations on the rest, score each by NDCG@10 on the held-out items, and return the best.
 * The caller then retrains the winner on all the data.
 *
 * The search is planned with each recipe's cost estimate (seconds on the reference machine), not
 * the clock, so the same data, seed and budget always run the same trials and pick the same
 * winner. The clock is only a safety stop: if the machine runs far slower than the estimates and
 * the wall time reaches the budget, the search ends early and says so (`stoppedEarly`).
 *
 * Trial 0 of every recipe is its defaults, and the untuned choice is always among the trials;
 * ties go to the earlier trial, so tuning never picks a configuration that scores worse on
 * validation than the untuned default.
 */
import { Rng } from "./prng.js";
import { dataShape, type Dataset, type ProgressCallback } from "./dataset.js";
import { autoRecipes, recipeDefinition, type SearchDimension } from "./recipe.js";
import { heldOutUsers, splitDataset } from "./split.js";
import { scoreModel } from "./metrics.js";
import { resolveRecipe, train, type RecipeChoice } from "./train.js";

export interface TuneOptions {
  /** Recipes to search; the first one's defaults are the untuned baseline. */
  recipes: string[];
  seed: number;
  /** Wall-clock budget for the search plus the final retrain, in seconds. Default 60. */
  budgetSeconds?: number;
  /** Share of each user's interactions held out for validation. Default 0.2. */
  validationFraction?: number;
  /** Wall-clock safety stop in seconds (default: the budget). Benchmarks raise it to time the whole plan on a busy machine. */
  wallLimitSeconds?: number;
  /** Stop after this many trials even if the budget allows more. Default 40. */
  maxTrials?: number;
  threads?: number;
  onProgress?: ProgressCallback;
}

export interface TuneTrial {
  recipe: string;
  params: Record<string, unknown>;
  /** NDCG@10 on the validation split. */
  ndcg: number;
  /** Estimated and measured training seconds (the estimate plans the search, the measure is for you). */
  estimatedSeconds: number;
  seconds: number;
}

export interface TuneResult {
  recipe: string;
  params: Record<string, unknown>;
  /** Index into `trials` of the winner; trial 0 is the untuned default. */
  winner: number;
  trials: TuneTrial[];
  /** Validation NDCG@10 of the untuned default and of the winner. */
  defaultNdcg: number;
  bestNdcg: number;
  validation: { fraction: number; users: number; heldOut: number; seed: number };
  budgetSeconds: number;
  /** True when the wall clock, not the plan, ended the search (the machine was slower than estimated). */
  stoppedEarly: boolean;
  seconds: number;
}

/**
 * Recipes a search compares: the untuned choice first (its defaults are the baseline; none when it
 * has nothing to tune), and for `auto` the other recipes "auto" may pick that have something to
 * tune and can train on the data set with their defaults.
 */
export function tuneCandidates(ds: Dataset, choice: RecipeChoice): string[] {
  const first = resolveRecipe(ds, { recipe: choice });
  if (!recipeDefinition(first).searchSpace) return [];
  if (choice !== "auto") return [first];
  const shape = dataShape(ds);
  const others = autoRecipes().filter((def) => def.name !== first && def.searchSpace && (def.canTrain?.(shape, def.defaults) ?? true));
  return [first, ...others.map((def) => def.name)];
}

export const DEFAULT_TUNE_BUDGET_SECONDS = 60;
const K = 10;
/**
 * Plans count each estimate 1.3× over, for what no estimate covers (splitting, import, the
 * clock of a machine busier than the reference one). Trials count their validation scoring too:
 * with the SIMD training kernels, scoring a trial can cost about as much as training it.
 */
const PLAN_MARGIN = 1.3;

/** Estimated training seconds of a recipe at the given data shape (0 when the recipe gives no estimate). */
export function estimateTrainingSeconds(recipe: string, ds: Dataset, params?: Record<string, unknown>): number {
  const def = recipeDefinition(recipe);
  return def.estimateSeconds?.(dataShape(ds), { ...def.defaults, ...params }) ?? 0;
}

/** Estimated seconds of one tuning trial: training plus scoring every user once for validation. */
function estimateTrialSeconds(recipe: string, ds: Dataset, params?: Record<string, unknown>): number {
  const def = recipeDefinition(recipe);
  return estimateTrainingSeconds(recipe, ds, params) + (def.estimateScoringSeconds?.(dataShape(ds), { ...def.defaults, ...params }) ?? 0);
}

/**
 * Whether a search worth doing (defaults of each recipe plus a few more trials, and the final
 * retrain) fits the budget by the estimates: what `--tune auto` asks.
 */
export function tuningFits(ds: Dataset, recipes: string[], budgetSeconds = DEFAULT_TUNE_BUDGET_SECONDS, fraction = 0.2): boolean {
  const perRecipe = recipes.map((r) => estimateTrialSeconds(r, ds) * (1 - fraction));
  const final = Math.max(...recipes.map((r) => estimateTrainingSeconds(r, ds)));
  return perRecipe.reduce((a, b) => a + b, 0) * 3 + final <= budgetSeconds;
}

export async function tune(ds: Dataset, opts: TuneOptions): Promise<TuneResult> {
  const started = performance.now();
  const budget = opts.budgetSeconds ?? DEFAULT_TUNE_BUDGET_SECONDS;
  const fraction = opts.validationFraction ?? 0.2;
  const maxTrials = opts.maxTrials ?? 40;
  const split = splitDataset(ds, opts.seed, fraction);
  const heldOut = split.testIndices.length;
  const rng = new Rng(opts.seed ^ 0x5eed);
  const defs = opts.recipes.map((r) => recipeDefinition(r));
  // The final retrain on all the data is reserved first: the winner's cost is unknown, so the dearest default.
  const reserve = PLAN_MARGIN * Math.max(0, ...opts.recipes.map((r) => estimateTrainingSeconds(r, ds)));
  const scale = split.train.indices.length / Math.max(1, ds.indices.length);

  const trials: TuneTrial[] = [];
  const spent = new Map<string, number>(opts.recipes.map((r) => [r, 0]));
  let planned = reserve;
  let stoppedEarly = false;
  const exhausted = new Set<string>();
  const best = (recipe: string) => {
    let b: TuneTrial | undefined;
    for (const t of trials) if (t.recipe === recipe && (!b || t.ndcg > b.ndcg)) b = t;
    return b;
  };
  const seen = new Set<string>();

  // Bounded: a draw that repeats an earlier trial is skipped, and small spaces run out of new draws.
  for (let attempt = 0; attempt < maxTrials * 20 && trials.length < maxTrials; attempt++) {
    // Next trial: each recipe's defaults first, then the recipe with the least estimated time spent.
    const untried = opts.recipes.find((r) => !trials.some((t) => t.recipe === r) && !exhausted.has(r));
    const recipe =
      untried ??
      [...opts.recipes]
        .filter((r) => !exhausted.has(r) && defs[opts.recipes.indexOf(r)].searchSpace)
        .sort((a, b) => spent.get(a)! - spent.get(b)!)[0];
    if (!recipe) break;
    const def = defs[opts.recipes.indexOf(recipe)];
    let params: Record<string, unknown> = { ...def.defaults };
    if (!untried) {
      const space = def.searchSpace as Record<string, SearchDimension>;
      // Half the trials explore at random, half refine the recipe's best so far.
      const explore = trials.filter((t) => t.recipe === recipe).length % 2 === 1;
      params = explore ? sample(space, def.defaults as Record<string, unknown>, rng) : perturb(space, best(recipe)!.params, rng);
      const key = recipe + JSON.stringify(params);
      if (seen.has(key)) continue; // a repeat teaches nothing; the rng has moved on, so the next draw differs
    }
    seen.add(recipe + JSON.stringify(params));
    const estimate = PLAN_MARGIN * estimateTrialSeconds(recipe, ds, params) * scale;
    const isBaseline = trials.length === 0;
    if (!isBaseline && planned + estimate > budget) {
      exhausted.add(recipe);
      continue;
    }
    if (!isBaseline && (performance.now() - started) / 1000 + reserve > (opts.wallLimitSeconds ?? budget)) {
      stoppedEarly = true;
      break;
    }
    planned += estimate;
    spent.set(recipe, spent.get(recipe)! + estimate);
    opts.onProgress?.({ phase: "tune", done: Math.round(planned - reserve - estimate), total: Math.round(budget - reserve) });
    const t0 = performance.now();
    const model = await train(split.train, { recipe, seed: opts.seed, threads: opts.threads, params: { [recipe]: params } });
    const ndcg = scoreModel(model, split, K).ndcg;
    trials.push({
      recipe,
      params: model.data.params,
      ndcg,
      estimatedSeconds: round(estimate, 2),
      seconds: round((performance.now() - t0) / 1000, 2),
    });
  }
  opts.onProgress?.({ phase: "tune", done: 1, total: 1 });
  let winner = 0;
  trials.forEach((t, j) => {
    if (t.ndcg > trials[winner].ndcg) winner = j;
  });
  return {
    recipe: trials[winner].recipe,
    params: trials[winner].params,
    winner,
    trials,
    defaultNdcg: trials[0].ndcg,
    bestNdcg: trials[winner].ndcg,
    validation: { fraction, users: heldOutUsers(split), heldOut, seed: opts.seed },
    budgetSeconds: budget,
    stoppedEarly,
    seconds: round((performance.now() - started) / 1000, 2),
  };
}

function sample(space: Record<string, SearchDimension>, defaults: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [name, dim] of Object.entries(space)) {
    if (dim.kind === "choice") out[name] = dim.values[rng.int(dim.values.length)];
    else out[name] = fromLog(dim, Math.log(dim.min) + rng.next() * (Math.log(dim.max) - Math.log(dim.min)));
  }
  return out;
}

/** A neighbour of `params`: log-scale values moved by about ±40 %, choices to an adjacent value now and then. */
function perturb(space: Record<string, SearchDimension>, params: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const [name, dim] of Object.entries(space)) {
    const v = params[name] as number;
    if (dim.kind === "choice") {
      if (rng.next() < 0.35) {
        const at = Math.max(0, dim.values.indexOf(v));
        const next = Math.min(dim.values.length - 1, Math.max(0, at + (rng.next() < 0.5 ? -1 : 1)));
        out[name] = dim.values[next];
      }
    } else {
      out[name] = fromLog(dim, Math.min(Math.log(dim.max), Math.max(Math.log(dim.min), Math.log(v) + rng.gaussian() * 0.35)));
    }
  }
  return out;
}

/** Values are rounded to 3 significant digits so trials read well and repeat exactly. */
function fromLog(dim: { integer?: boolean }, logValue: number): number {
  const v = Math.exp(logValue);
  return dim.integer ? Math.round(v) : Number(v.toPrecision(3));
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
