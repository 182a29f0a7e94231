/**
 * A trained model: what every recipe shares (id maps, the seen-items CSR, the popularity
 * fallback, a small mutable overlay of folded-in users, top-n selection and the string API)
 * around one recipe model that turns users into scores. The recipe is looked up once, when the
 * model is built or loaded (see recipe.ts); nothing here depends on which recipe it is.
 */
import { topN, topNItems } from "./topk.js";
import { recipeDefinition, type RecipeModel, type TopK } from "./recipe.js";
import type { ModelData, Recipe } from "./model-data.js";

const NONE = new Int32Array(0);

export interface ScoredItem {
  itemId: string;
  score: number;
}

/**
 * Recommendation list. It is a plain array (so it can be returned as-is) with a
 * `fallback` flag: true when the user was unknown and the list is the global
 * popularity ranking, which Personalize callers usually want to know.
 */
export type Recommendations = ScoredItem[] & { readonly fallback: boolean };

/** rank() result: known items by score; unknown items last with score null, in input order. */
export type Ranking = { itemId: string; score: number | null }[] & { readonly fallback: boolean };

export interface FoldInEvent {
  itemId: string;
  /** Confidence weight of this event (default 1; repeated events add up). */
  weight?: number;
}

export interface FoldInResult {
  /** Events on catalogue items, now affecting this user's recommendations. */
  applied: number;
  /** Item ids not in the model's catalogue: recorded, not scored until retraining. */
  unknownItems: string[];
}

interface Overlay {
  items: Int32Array;
  weights: Float32Array;
  /** What the recipe scores this user from, computed once at fold-in. */
  state: unknown;
  unknownItems: string[];
}

export interface RecommendOptions {
  /** Drop items the user already interacted with (default true). */
  excludeSeen?: boolean;
  /** Additional item ids never to return (e.g. out of stock). */
  exclude?: string[];
}

export class Model {
  readonly data: ModelData;
  /** The recipe's scoring half, chosen once from `data.recipe`. */
  readonly recipeModel: RecipeModel;
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly overlay = new Map<string, Overlay>();
  private readonly scratch: Float64Array;
  private popRanking: Int32Array | null = null;
  /** recommendTop's answer object, reused (its arrays are the recipe's reused buffers). */
  private readonly topScratch: TopK & { fallback: boolean } = { count: 0, items: NONE, scores: new Float64Array(0), fallback: false };

  constructor(data: ModelData) {
    this.data = data;
    data.userIds.forEach((id, i) => this.userIndex.set(id, i));
    data.itemIds.forEach((id, i) => this.itemIndex.set(id, i));
    this.scratch = new Float64Array(data.itemIds.length);
    this.recipeModel = recipeDefinition(data.recipe).load(data);
  }

  get recipe(): Recipe {
    return this.data.recipe;
  }
  get nUsers(): number {
    return this.data.userIds.length;
  }
  get nItems(): number {
    return this.data.itemIds.length;
  }
  hasUser(userId: string): boolean {
    return this.userIndex.has(userId) || this.overlay.has(userId);
  }
  hasItem(itemId: string): boolean {
    return this.itemIndex.has(itemId);
  }

  /** Metadata row of an item as {COLUMN: value}, or undefined if the items file had none. */
  itemMetadata(itemId: string): Record<string, string> | undefined {
    const i = this.itemIndex.get(itemId);
    if (i === undefined) return undefined;
    const row = this.data.metadata.rows[i];
    if (!row) return undefined;
    const out: Record<string, string> = {};
    this.data.metadata.columns.forEach((c, k) => (out[c] = row[k]));
    return out;
  }

  /** Top-n items for a user. Unknown users get the popularity ranking with fallback=true. */
  recommend(userId: string, n = 25, opts: RecommendOptions = {}): Recommendations {
    const top = this.recommendTop(userId, n, opts);
    return this.toItems(top, top.fallback);
  }

  /**
   * What `recommend` returns, as item indices and scores (best first, the first `count` entries)
   * in buffers that the next call reuses: for callers that shape their own output (the
   * GetRecommendations response) without an intermediate object per item. Ids: `itemId(i)`.
   */
  recommendTop(userId: string, n = 25, opts: RecommendOptions = {}): TopK & { fallback: boolean } {
    const state = this.stateOf(userId);
    const top = state === undefined ? this.popularTop(n, opts) : this.recipeModel.topK(state.state, n, this.exclusions(userId, opts));
    const out = this.topScratch;
    out.count = top.count;
    out.items = top.items;
    out.scores = top.scores;
    out.fallback = state === undefined;
    return out;
  }

  /** The id of the item with index `i`. */
  itemId(i: number): string {
    return this.data.itemIds[i];
  }

  /**
   * Top-n for many users in one pass: what `recommend` returns for each, in the same order, but
   * scored together (for matrix factorisation, a blocked matrix product in the SIMD kernel, which
   * reads the item factors once per block of users instead of once per user, with each user's
   * top-n selected inside the kernel). For the send pipeline and campaigns that need thousands of
   * recipients' lists at once.
   */
  recommendBatch(userIds: readonly string[], n = 25, opts: RecommendOptions = {}): Recommendations[] {
    const batch = this.batchOf(userIds, n, opts);
    this.recipeModel.topKMany(batch.states, n, batch.exclude, batch.visit);
    return batch.out;
  }

  /**
   * `recommendBatch` for a server (the send pipeline): the same lists in the same order, computed
   * without holding the event loop longer than a block of users takes; a large batch is shared
   * with a worker thread (see docs/engine.md, "Batch recommendation").
   */
  async recommendBatchAsync(userIds: readonly string[], n = 25, opts: RecommendOptions = {}): Promise<Recommendations[]> {
    const batch = this.batchOf(userIds, n, opts);
    await this.recipeModel.topKManyAsync(batch.states, n, batch.exclude, batch.visit);
    return batch.out;
  }

  /** Unknown users answered now (popularity); the known ones' states and how their answers land in `out`. */
  private batchOf(userIds: readonly string[], n: number, opts: RecommendOptions) {
    const out: Recommendations[] = new Array(userIds.length);
    const known: number[] = [];
    const states: unknown[] = [];
    userIds.forEach((userId, j) => {
      const state = this.stateOf(userId);
      if (state === undefined) out[j] = this.recommend(userId, n, opts);
      else {
        known.push(j);
        states.push(state.state);
      }
    });
    return {
      out,
      states,
      exclude: (b: number) => this.exclusions(userIds[known[b]], opts),
      visit: (b: number, top: TopK) => (out[known[b]] = this.toItems(top, false)),
    };
  }

  /**
   * Index-level top-n for evaluation: avoids string work so that ranking every
   * test user stays cheap. Returns item indices best-first.
   */
  recommendIndex(u: number, n: number, excludeSeen = true): Int32Array {
    const { seenIndptr, seenIndices } = this.data;
    const exclude = excludeSeen ? seenIndices.subarray(seenIndptr[u], seenIndptr[u + 1]) : NONE;
    const top = this.recipeModel.topK(this.recipeModel.trainedUser(u), n, exclude);
    return top.items.slice(0, top.count);
  }

  /**
   * Re-rank a caller-supplied list (GetPersonalizedRanking). Unknown items are
   * kept, last, with score null, so the caller never loses an item it asked about.
   */
  rank(userId: string, itemIds: string[]): Ranking {
    const scores = this.scratch;
    const state = this.stateOf(userId);
    if (state !== undefined) this.recipeModel.score(state.state, scores);
    const src = state !== undefined ? scores : this.data.popularity;
    const scored: { itemId: string; score: number; pos: number }[] = [];
    const unknown: { itemId: string; score: null }[] = [];
    itemIds.forEach((itemId, pos) => {
      const i = this.itemIndex.get(itemId);
      if (i === undefined) unknown.push({ itemId, score: null });
      else scored.push({ itemId, score: src[i], pos });
    });
    scored.sort((a, b) => b.score - a.score || a.pos - b.pos);
    const out: { itemId: string; score: number | null }[] = scored.map(({ itemId, score }) => ({ itemId, score }));
    return Object.assign(out.concat(unknown), { fallback: state === undefined });
  }

  /**
   * Items similar to itemId (SIMS-style), as the recipe defines similarity (see recipes/).
   * Unknown item → popularity, fallback=true.
   */
  similarItems(itemId: string, n = 25): Recommendations {
    const i = this.itemIndex.get(itemId);
    const scores = this.scratch;
    if (i === undefined) {
      for (let j = 0; j < this.nItems; j++) scores[j] = this.data.popularity[j];
      return this.toItems(topNItems(scores, n), true);
    }
    this.recipeModel.similar(i, scores);
    scores[i] = -Infinity;
    return this.toItems(topNItems(scores, n), false);
  }

  /**
   * Add a user's new events without retraining: the recipe recomputes what it scores the user
   * from (iALS re-solves the user's vector against the fixed item factors; EASE scores the new
   * history against B; popularity only updates the seen set). Takes effect immediately.
   * Not persisted by saveModel: it models the gap until the next training run.
   */
  foldIn(userId: string, events: FoldInEvent[]): FoldInResult {
    const prev = this.seenOf(userId);
    const acc = new Map<number, number>();
    if (prev) for (let e = 0; e < prev.items.length; e++) acc.set(prev.items[e], prev.weights[e]);
    const unknownItems = prev ? [...prev.unknownItems] : [];
    let applied = 0;
    for (const ev of events) {
      const i = this.itemIndex.get(ev.itemId);
      if (i === undefined) {
        unknownItems.push(ev.itemId);
        continue;
      }
      applied++;
      acc.set(i, (acc.get(i) ?? 0) + (ev.weight ?? 1));
    }
    const order = [...acc.keys()].sort((a, b) => a - b);
    const items = Int32Array.from(order);
    const weights = Float32Array.from(order.map((i) => acc.get(i)!));
    const state = this.recipeModel.foldIn({ items, weights });
    this.overlay.set(userId, { items, weights, state, unknownItems });
    return { applied, unknownItems: unknownItems.slice(prev ? prev.unknownItems.length : 0) };
  }

  /**
   * Drops a user's folded-in events (the caller bounds fold-in memory this way): the user is answered
   * from the trained model again, or from popularity when training never saw them.
   */
  forgetFoldedIn(userId: string): boolean {
    return this.overlay.delete(userId);
  }

  /** Items the user has interacted with (training data plus folded-in events). */
  seenItems(userId: string): string[] {
    const s = this.seenOf(userId);
    return s ? Array.from(s.items, (i) => this.data.itemIds[i]) : [];
  }

  /** Popularity ranking of all items (cached). */
  popularityRanking(): Int32Array {
    if (!this.popRanking) this.popRanking = topN(this.data.popularity, this.nItems).idx;
    return this.popRanking;
  }

  // ---- internals ---------------------------------------------------------

  /**
   * The items a known user's list leaves out, ascending and without repeats (what the kernels
   * take): their seen items unless `excludeSeen` is false, and `exclude`'s catalogue items.
   */
  private exclusions(userId: string, opts: RecommendOptions): Int32Array {
    const seen = (opts.excludeSeen ?? true) ? this.seenOf(userId)!.items : NONE;
    if (!opts.exclude?.length) return seen;
    const all = new Set<number>(seen);
    for (const id of opts.exclude) {
      const i = this.itemIndex.get(id);
      if (i !== undefined) all.add(i);
    }
    return Int32Array.from(all).sort();
  }

  /** The popularity ranking that unknown users get (seen items do not apply; `exclude` does). */
  private popularTop(n: number, opts: RecommendOptions): TopK {
    const scores = this.scratch;
    scores.set(this.data.popularity);
    if (opts.exclude)
      for (const id of opts.exclude) {
        const i = this.itemIndex.get(id);
        if (i !== undefined) scores[i] = -Infinity;
      }
    return topNItems(scores, n);
  }

  private toItems(top: TopK, fallback: boolean): Recommendations {
    const out: ScoredItem[] = new Array(top.count);
    const ids = this.data.itemIds;
    for (let j = 0; j < top.count; j++) out[j] = { itemId: ids[top.items[j]], score: top.scores[j] };
    return Object.assign(out, { fallback });
  }

  /** What the recipe scores this user from; undefined for an unknown user. */
  private stateOf(userId: string): { state: unknown } | undefined {
    const o = this.overlay.get(userId);
    if (o) return o;
    const u = this.userIndex.get(userId);
    return u === undefined ? undefined : { state: this.recipeModel.trainedUser(u) };
  }

  private seenOf(userId: string): { items: Int32Array; weights: Float32Array; unknownItems: string[] } | null {
    const o = this.overlay.get(userId);
    if (o) return o;
    const u = this.userIndex.get(userId);
    if (u === undefined) return null;
    const { seenIndptr, seenIndices, seenWeights } = this.data;
    const a = seenIndptr[u];
    const b = seenIndptr[u + 1];
    return { items: seenIndices.subarray(a, b), weights: seenWeights.subarray(a, b), unknownItems: [] };
  }
}
