/**
 * A trained model: immutable factor/weight arrays plus a small mutable overlay
 * of folded-in users. Everything is typed arrays indexed by dense ints; strings
 * only appear at the API edge.
 */
import { topN } from "./topk.js";
import { DotScorer } from "./wasm/scorer.js";
import { ialsFoldIn, type IalsParams } from "./ials.js";
import type { EaseParams } from "./ease.js";
import type { ItemMetadata } from "./dataset.js";

export type Recipe = "popularity" | "ials" | "ease";

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

export interface TrainingStats {
  users: number;
  items: number;
  interactions: number;
  /** Extra, recipe-specific numbers (e.g. epochs run). */
  [key: string]: number;
}

/** Everything a model is made of; exactly what the model file stores. */
export interface ModelData {
  recipe: Recipe;
  params: Partial<IalsParams> & Partial<EaseParams> & Record<string, unknown>;
  seed: number;
  stats: TrainingStats;
  userIds: string[];
  itemIds: string[];
  metadata: ItemMetadata;
  /** User → seen items CSR, used to exclude already-consumed items and for EASE scoring. */
  seenIndptr: Int32Array;
  seenIndices: Int32Array;
  seenWeights: Float32Array;
  /** Distinct users per item; the cold-start fallback. */
  popularity: Float32Array;
  userFactors?: Float32Array;
  itemFactors?: Float32Array;
  itemGram?: Float64Array;
  easeB?: Float32Array;
}

interface Overlay {
  items: Int32Array;
  weights: Float32Array;
  vector: Float32Array | null;
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
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly overlay = new Map<string, Overlay>();
  private readonly scratch: Float64Array;
  private itemNorms: Float32Array | null = null;
  private coocT: { indptr: Int32Array; indices: Int32Array } | null = null;
  private popRanking: Int32Array | null = null;
  private xScratch = new Float64Array(0);
  /** The SIMD kernel for iALS scoring, built on first use; null where it cannot serve. */
  private simd: DotScorer | null | undefined;

  constructor(data: ModelData) {
    this.data = data;
    data.userIds.forEach((id, i) => this.userIndex.set(id, i));
    data.itemIds.forEach((id, i) => this.itemIndex.set(id, i));
    this.scratch = new Float64Array(data.itemIds.length);
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
    const excludeSeen = opts.excludeSeen ?? true;
    const scores = this.scratch;
    const known = this.scoreUser(userId, scores);
    if (!known) for (let i = 0; i < scores.length; i++) scores[i] = this.data.popularity[i];
    else if (excludeSeen) {
      const seen = this.seenOf(userId)!;
      for (let e = 0; e < seen.items.length; e++) scores[seen.items[e]] = -Infinity;
    }
    if (opts.exclude) for (const id of opts.exclude) {
      const i = this.itemIndex.get(id);
      if (i !== undefined) scores[i] = -Infinity;
    }
    const top = topN(scores, n);
    const out: ScoredItem[] = new Array(top.idx.length);
    for (let j = 0; j < top.idx.length; j++) out[j] = { itemId: this.data.itemIds[top.idx[j]], score: top.score[j] };
    return Object.assign(out, { fallback: !known });
  }

  /**
   * Index-level top-n for evaluation: avoids string work so that ranking every
   * test user stays cheap. Returns item indices best-first.
   */
  recommendIndex(u: number, n: number, excludeSeen = true): Int32Array {
    const scores = this.scratch;
    this.scoreIndex(u, scores);
    if (excludeSeen) {
      const { seenIndptr, seenIndices } = this.data;
      for (let e = seenIndptr[u]; e < seenIndptr[u + 1]; e++) scores[seenIndices[e]] = -Infinity;
    }
    return topN(scores, n).idx;
  }

  /**
   * Re-rank a caller-supplied list (GetPersonalizedRanking). Unknown items are
   * kept, last, with score null, so the caller never loses an item it asked about.
   */
  rank(userId: string, itemIds: string[]): Ranking {
    const scores = this.scratch;
    const known = this.scoreUser(userId, scores);
    const src = known ? scores : this.data.popularity;
    const scored: { itemId: string; score: number; pos: number }[] = [];
    const unknown: { itemId: string; score: null }[] = [];
    itemIds.forEach((itemId, pos) => {
      const i = this.itemIndex.get(itemId);
      if (i === undefined) unknown.push({ itemId, score: null });
      else scored.push({ itemId, score: src[i], pos });
    });
    scored.sort((a, b) => b.score - a.score || a.pos - b.pos);
    const out: { itemId: string; score: number | null }[] = scored.map(({ itemId, score }) => ({ itemId, score }));
    return Object.assign(out.concat(unknown), { fallback: !known });
  }

  /**
   * Items similar to itemId (SIMS-style). iALS: cosine of item factors.
   * EASE: the item's row of B (what the model would recommend to someone who saw only it).
   * Popularity: cosine of co-occurrence columns. Unknown item → popularity, fallback=true.
   */
  similarItems(itemId: string, n = 25): Recommendations {
    const i = this.itemIndex.get(itemId);
    const scores = this.scratch;
    const nI = this.nItems;
    if (i === undefined) {
      for (let j = 0; j < nI; j++) scores[j] = this.data.popularity[j];
      const top = topN(scores, n);
      return this.toItems(top, true);
    }
    const d = this.data;
    if (d.recipe === "ials" && d.itemFactors) {
      const k = d.params.factors!;
      const V = d.itemFactors;
      const norms = this.norms();
      const o = i * k;
      for (let j = 0; j < nI; j++) {
        let s = 0;
        const q = j * k;
        for (let f = 0; f < k; f++) s += V[o + f] * V[q + f];
        const den = norms[i] * norms[j];
        scores[j] = den > 0 ? s / den : 0;
      }
    } else if (d.recipe === "ease" && d.easeB) {
      const B = d.easeB;
      for (let j = 0; j < nI; j++) scores[j] = B[i * nI + j];
    } else {
      this.cooccurrenceCosine(i, scores);
    }
    scores[i] = -Infinity;
    return this.toItems(topN(scores, n), false);
  }

  /**
   * Add a user's new events without retraining. iALS re-solves the user's
   * vector against the fixed item factors; EASE simply scores the new history
   * against B; popularity only updates the seen set. Takes effect immediately.
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
    let vector: Float32Array | null = null;
    const d = this.data;
    if (d.recipe === "ials" && d.itemFactors && d.itemGram) {
      vector = ialsFoldIn(items, weights, d.itemFactors, d.itemGram, d.params.factors!, this.nItems, d.params as IalsParams);
    }
    this.overlay.set(userId, { items, weights, vector, unknownItems });
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

  // ---- internals ---------------------------------------------------------

  private toItems(top: { idx: Int32Array; score: Float64Array }, fallback: boolean): Recommendations {
    const out: ScoredItem[] = new Array(top.idx.length);
    for (let j = 0; j < top.idx.length; j++) out[j] = { itemId: this.data.itemIds[top.idx[j]], score: top.score[j] };
    return Object.assign(out, { fallback });
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

  /** Fill scores for a user; false if the user is unknown (scores untouched). */
  private scoreUser(userId: string, scores: Float64Array): boolean {
    const o = this.overlay.get(userId);
    if (o) {
      this.scoreHistory(o.items, o.vector, scores);
      return true;
    }
    const u = this.userIndex.get(userId);
    if (u === undefined) return false;
    this.scoreIndex(u, scores);
    return true;
  }

  private scoreIndex(u: number, scores: Float64Array): void {
    const d = this.data;
    if (d.recipe === "ials") {
      const k = d.params.factors!;
      this.scoreVector(d.userFactors!.subarray(u * k, u * k + k), scores);
    } else {
      this.scoreHistory(d.seenIndices.subarray(d.seenIndptr[u], d.seenIndptr[u + 1]), null, scores);
    }
  }

  private scoreHistory(items: Int32Array, vector: Float32Array | null, scores: Float64Array): void {
    const d = this.data;
    const nI = this.nItems;
    if (d.recipe === "ials") {
      this.scoreVector(vector!, scores);
    } else if (d.recipe === "ease") {
      const B = d.easeB!;
      scores.fill(0);
      for (let e = 0; e < items.length; e++) {
        const o = items[e] * nI;
        for (let j = 0; j < nI; j++) scores[j] += B[o + j];
      }
    } else {
      for (let j = 0; j < nI; j++) scores[j] = d.popularity[j];
    }
  }

  private scoreVector(x: Float32Array, scores: Float64Array): void {
    const V = this.data.itemFactors!;
    const k = x.length;
    const nI = this.nItems;
    if (this.simd === undefined) this.simd = DotScorer.create(V, k) ?? null;
    if (this.simd) {
      scores.set(this.simd.score(x));
      return;
    }
    // Copy to float64 once, then 4 independent accumulators (k is a multiple of 4):
    // this is the hot loop of every recommend() call.
    const xd = this.xScratch.length === k ? this.xScratch : (this.xScratch = new Float64Array(k));
    for (let f = 0; f < k; f++) xd[f] = x[f];
    for (let j = 0, q = 0; j < nI; j++, q += k) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let f = 0; f < k; f += 4) {
        s0 += xd[f] * V[q + f];
        s1 += xd[f + 1] * V[q + f + 1];
        s2 += xd[f + 2] * V[q + f + 2];
        s3 += xd[f + 3] * V[q + f + 3];
      }
      scores[j] = s0 + s1 + s2 + s3;
    }
  }

  private norms(): Float32Array {
    if (!this.itemNorms) {
      const V = this.data.itemFactors!;
      const k = this.data.params.factors!;
      const n = new Float32Array(this.nItems);
      for (let j = 0; j < n.length; j++) {
        let s = 0;
        for (let f = 0; f < k; f++) s += V[j * k + f] ** 2;
        n[j] = Math.sqrt(s);
      }
      this.itemNorms = n;
    }
    return this.itemNorms;
  }

  private cooccurrenceCosine(i: number, scores: Float64Array): void {
    const d = this.data;
    if (!this.coocT) {
      // item → users, built lazily: only popularity models ever need it.
      const nI = this.nItems;
      const cnt = new Int32Array(nI + 1);
      for (const it of d.seenIndices) cnt[it + 1]++;
      for (let j = 0; j < nI; j++) cnt[j + 1] += cnt[j];
      const pos = cnt.slice(0, nI);
      const idx = new Int32Array(d.seenIndices.length);
      for (let u = 0; u < this.nUsers; u++) for (let e = d.seenIndptr[u]; e < d.seenIndptr[u + 1]; e++) idx[pos[d.seenIndices[e]]++] = u;
      this.coocT = { indptr: cnt, indices: idx };
    }
    scores.fill(0);
    const { indptr, indices } = this.coocT;
    for (let e = indptr[i]; e < indptr[i + 1]; e++) {
      const u = indices[e];
      for (let q = d.seenIndptr[u]; q < d.seenIndptr[u + 1]; q++) scores[d.seenIndices[q]] += 1;
    }
    const pi = indptr[i + 1] - indptr[i];
    for (let j = 0; j < scores.length; j++) {
      const pj = indptr[j + 1] - indptr[j];
      scores[j] = pi && pj ? scores[j] / Math.sqrt(pi * pj) : 0;
    }
  }

  /** Popularity ranking of all items (cached). */
  popularityRanking(): Int32Array {
    if (!this.popRanking) this.popRanking = topN(this.data.popularity, this.nItems).idx;
    return this.popRanking;
  }
}
