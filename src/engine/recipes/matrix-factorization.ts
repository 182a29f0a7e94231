/**
 * Shared base of matrix-factorisation recipes: a user is a factor vector, an item's score is the
 * dot product with its item factors (WebAssembly SIMD kernel where the shape allows, an unrolled
 * JavaScript loop otherwise), similar items are cosines of item factors. A subclass supplies
 * only how a new history becomes a vector (`foldIn`).
 */
import { BaseRecipeModel, type UserHistory } from "../recipe.js";
import { BATCH_USERS, DotScorer } from "../wasm/scorer.js";
import type { ModelData } from "../model.js";

export abstract class MatrixFactorizationModel extends BaseRecipeModel<Float32Array> {
  protected readonly k: number;
  protected readonly userFactors: Float32Array;
  protected readonly itemFactors: Float32Array;
  /** The SIMD kernel, built on first use; null where it cannot serve. */
  private simd: DotScorer | null | undefined;
  private itemNorms: Float32Array | null = null;
  private xScratch = new Float64Array(0);
  private rowScratch: Float64Array | null = null;

  constructor(data: ModelData) {
    super(data);
    this.k = data.params.factors as number;
    this.userFactors = data.arrays.userFactors as Float32Array;
    this.itemFactors = data.arrays.itemFactors as Float32Array;
  }

  abstract override foldIn(history: UserHistory): Float32Array;

  trainedUser(u: number): Float32Array {
    return this.userFactors.subarray(u * this.k, u * this.k + this.k);
  }

  private scorer(): DotScorer | null {
    if (this.simd === undefined) this.simd = DotScorer.create(this.itemFactors, this.k) ?? null;
    return this.simd;
  }

  score(x: Float32Array, scores: Float64Array): void {
    const simd = this.scorer();
    if (simd) {
      scores.set(simd.score(x));
      return;
    }
    const V = this.itemFactors;
    const k = x.length;
    const nI = this.nItems;
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

  /** Blocked SIMD product for BATCH_USERS users at a time; the per-user loop where SIMD cannot serve. */
  override scoreMany(users: Float32Array[], visit: (b: number, scores: Float32Array | Float64Array) => void): void {
    const simd = this.scorer();
    if (!simd) return super.scoreMany(users, visit);
    const k = this.k;
    const n = this.nItems;
    const block = new Float32Array(BATCH_USERS * k);
    // Each row is handed over as float64, as score() does: top-n selection over a view of the
    // kernel's memory measured about twice as slow as over an ordinary Float64Array.
    const row = (this.rowScratch ??= new Float64Array(n));
    for (let start = 0; start < users.length; start += BATCH_USERS) {
      const count = Math.min(BATCH_USERS, users.length - start);
      for (let b = 0; b < count; b++) block.set(users[start + b], b * k);
      const { scores, stride } = simd.scoreBatch(block, count);
      for (let b = 0; b < count; b++) {
        row.set(scores.subarray(b * stride, b * stride + n));
        visit(start + b, row);
      }
    }
  }

  similar(i: number, scores: Float64Array): void {
    const k = this.k;
    const V = this.itemFactors;
    const norms = this.norms();
    const o = i * k;
    for (let j = 0; j < this.nItems; j++) {
      let s = 0;
      const q = j * k;
      for (let f = 0; f < k; f++) s += V[o + f] * V[q + f];
      const den = norms[i] * norms[j];
      scores[j] = den > 0 ? s / den : 0;
    }
  }

  private norms(): Float32Array {
    if (!this.itemNorms) {
      const V = this.itemFactors;
      const k = this.k;
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
}
