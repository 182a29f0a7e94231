/**
 * One interface for every recipe, after implicit's layout (one class per algorithm behind
 * fit / recommend / similar_items / save / load): a `RecipeDefinition` trains and loads, a
 * `RecipeModel` scores. `Model` holds what every recipe shares (id maps, seen items, popularity
 * fallback, folded-in users, top-n selection) and asks its recipe model for numbers only, so
 * adding a recipe is one definition passed to `registerRecipe`; `Model`, `train` and `tune` do not change.
 */
import type { DataShape, Dataset, ProgressCallback } from "./dataset.js";
import type { ModelData, TypedArray } from "./model-data.js";
import { topNItems, type TopK } from "./topk.js";

export type { TopK };

/** A user's interactions as item indices (ascending) and their aggregated weights. */
export interface UserHistory {
  items: Int32Array;
  weights: Float32Array;
}

/**
 * The trained half of a recipe. `U` is what the recipe scores a user from (a factor vector, the
 * history, nothing), computed once per user: from the training data (`trainedUser`) or from a
 * history that arrived after training (`foldIn`).
 */
export interface RecipeModel<U = unknown> {
  /** State of the training user with index `u`. */
  trainedUser(u: number): U;
  /** State of a user from their whole history (training events plus new ones), without retraining. */
  foldIn(history: UserHistory): U;
  /** scores[j] = the user's score for item j, for every item. */
  score(user: U, scores: Float64Array): void;
  /**
   * The `n` best items for a user, best first, leaving out `exclude` (ascending item indices, no
   * repeats): exactly topN (topk.ts) over `score` with those items at -Infinity, same items, same
   * order, same ties. A recipe with a kernel selects without materialising every score.
   */
  topK(user: U, n: number, exclude: Int32Array): TopK;
  /**
   * `topK` for many users, handed to `visit` in order (`top` is valid until `visit` returns), equal
   * to single calls; a recipe with a dense product scores a block of users per pass.
   */
  topKMany(users: U[], n: number, exclude: (b: number) => Int32Array, visit: (b: number, top: TopK) => void): void;
  /**
   * `topKMany` for a server: the same answers, visited in the same order, without holding the
   * event loop longer than a block of users takes (a recipe with a kernel may use another core).
   */
  topKManyAsync(users: U[], n: number, exclude: (b: number) => Int32Array, visit: (b: number, top: TopK) => void): Promise<void>;
  /** scores[j] = similarity of item `item` to item j (the item itself is excluded by the caller). */
  similar(item: number, scores: Float64Array): void;
}

/** Scoring into an array and selecting with topN, one user at a time: the default behind `topK` and `topKMany`. */
export abstract class BaseRecipeModel<U> implements RecipeModel<U> {
  private scratch: Float64Array | null = null;
  constructor(protected readonly data: ModelData) {}
  protected get nItems(): number {
    return this.data.itemIds.length;
  }
  abstract trainedUser(u: number): U;
  abstract foldIn(history: UserHistory): U;
  abstract score(user: U, scores: Float64Array): void;
  abstract similar(item: number, scores: Float64Array): void;
  /** Scores every item (the array is reused), then selects: right for recipes without a kernel. */
  topK(user: U, n: number, exclude: Int32Array): TopK {
    const scores = (this.scratch ??= new Float64Array(this.nItems));
    this.score(user, scores);
    for (let e = 0; e < exclude.length; e++) scores[exclude[e]] = -Infinity;
    return topNItems(scores, n);
  }
  topKMany(users: U[], n: number, exclude: (b: number) => Int32Array, visit: (b: number, top: TopK) => void): void {
    for (let b = 0; b < users.length; b++) visit(b, this.topK(users[b], n, exclude(b)));
  }
  /** One user at a time, yielding to the event loop after every USERS_PER_TURN users. */
  async topKManyAsync(users: U[], n: number, exclude: (b: number) => Int32Array, visit: (b: number, top: TopK) => void): Promise<void> {
    for (let b = 0; b < users.length; b++) {
      if (b > 0 && b % USERS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      visit(b, this.topK(users[b], n, exclude(b)));
    }
  }
}

/** Users served between two turns of the event loop by the default `topKManyAsync`. */
const USERS_PER_TURN = 64;

export interface TrainContext {
  seed: number;
  /** Worker threads where the recipe uses them. */
  threads?: number;
  onProgress?: ProgressCallback;
}

/** What training produces beyond the shared sections: stored as the model file's recipe part. */
export interface TrainedRecipe {
  /** Effective hyper-parameters (defaults filled in); written to the file header. */
  params: Record<string, unknown>;
  /** Named arrays, written as file sections in this order (keep it stable: it fixes the bytes). */
  arrays: Record<string, TypedArray>;
  /** Recipe-specific figures merged into the model's stats (e.g. epochs run). */
  stats?: Record<string, number>;
}

/** One hyper-parameter dimension for tuning. */
export type SearchDimension = { kind: "choice"; values: number[] } | { kind: "log"; min: number; max: number; integer?: boolean };

/**
 * When `train`'s recipe "auto" picks a recipe: "auto" asks the recipes that have a rule, lowest
 * `preference` first, and trains the first one that can train on the data set (`canTrain`) and whose
 * rule `picks` it. Tuning an "auto" choice also compares the other recipes with a rule, something to
 * tune and the ability to train on the data set.
 */
export interface AutoRule<P, O> {
  /** The order "auto" asks the recipes in, lowest first. */
  readonly preference: number;
  /** Whether "auto" takes this recipe for data of this shape: `params` as `train` would merge them, `options` the caller's train options. */
  picks(shape: DataShape, params: P, options: O): boolean;
}

/**
 * One recipe. `P` is its hyper-parameters; `O` the train options of its own (the built-ins'
 * `ials: {…}` or `ease: {…}` shorthands, EASE's `autoEaseMaxItems`), which `train` hands it whole.
 */
export interface RecipeDefinition<P extends object = Record<string, unknown>, O extends object = object> {
  readonly name: string;
  /** Default hyper-parameters: what an untuned run trains with. */
  readonly defaults: P;
  /** Train on a data set; `params` are the defaults merged with the caller's overrides. */
  train(ds: Dataset, params: P, ctx: TrainContext): Promise<TrainedRecipe>;
  /** Rebuild the trained half from a model's data (training output or a loaded file): deserialisation. */
  load(data: ModelData): RecipeModel;
  /**
   * The caller's hyper-parameters for this recipe given in a train option of its own (as `ials: {…}`),
   * merged over the defaults and under `params[name]`.
   */
  shorthand?(options: O): Partial<P> | undefined;
  /** Whether the recipe can train on data of this shape with these hyper-parameters (absent: always); its `train` refuses the rest. */
  canTrain?(shape: DataShape, params: P): boolean;
  /** When "auto" picks this recipe (absent: only when asked for by name). */
  readonly auto?: AutoRule<P, O>;
  /** Hyper-parameters tuning may search (absent: nothing to tune). */
  readonly searchSpace?: Partial<Record<keyof P & string, SearchDimension>>;
  /** Rough training cost in seconds on the reference machine, so tuning can plan within its budget. */
  estimateSeconds?(shape: DataShape, params: P): number;
  /** Rough cost of scoring every user of a data set of this shape once (a tuning trial's validation). */
  estimateScoringSeconds?(shape: DataShape, params: P): number;
}

const registry = new Map<string, RecipeDefinition<object>>();

/** Make a recipe available to `train` and to model loading. Names are unique. */
export function registerRecipe<P extends object, O extends object = object>(def: RecipeDefinition<P, O>): void {
  if (registry.has(def.name) && registry.get(def.name) !== def) throw new Error(`recipe ${def.name} is already registered`);
  registry.set(def.name, def as unknown as RecipeDefinition<object>);
}

/** The registered recipes that "auto" may pick, in the order it asks them (see AutoRule). */
export function autoRecipes(): (RecipeDefinition<object> & { auto: AutoRule<object, object> })[] {
  const withRule = [...registry.values()].filter(
    (def): def is RecipeDefinition<object> & { auto: AutoRule<object, object> } => def.auto !== undefined,
  );
  return withRule.sort((a, b) => a.auto.preference - b.auto.preference);
}

export function recipeDefinition(name: string): RecipeDefinition<object> {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown recipe ${JSON.stringify(name)} (known: ${[...registry.keys()].join(", ")})`);
  return def;
}

export function registeredRecipes(): string[] {
  return [...registry.keys()];
}
