/**
 * Shared base of matrix-factorisation recipes: a user is a factor vector, an item's score is the
 * dot product with its item factors (WebAssembly SIMD kernel where the shape allows, an unrolled
 * JavaScript loop otherwise), similar items are cosines of item factors. A subclass supplies
 * only how a new history becomes a vector (`foldIn`).
 */
import { BaseRecipeModel, type TopK, type UserHistory } from "../recipe.js";
import { DotScorer } from "../wasm/scorer.js";
import type { ModelData } from "../model-data.js";

export abstract class MatrixFactorizationModel extends BaseRecipeModel<Float32Array> {
  protected readonly k: number;
  protected readonly userFactors: Float32Array;
  protected readonly itemFactors: Float32Array;
  /** The SIMD kernel, built on first use; null where it cannot serve. */
  private simd: DotScorer | null | undefined;
  private itemNorms: Float32Array | null = null;
  private xScratch = new Float64Array(0);

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
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let f = 0; f < k; f += 4) {
        s0 += xd[f] * V[q + f];
        s1 += xd[f + 1] * V[q + f + 1];
        s2 += xd[f + 2] * V[q + f + 2];
        s3 += xd[f + 3] * V[q + f + 3];
      }
      scores[j] = s0 + s1 + s2 + s3;
    }
  }

  /** In the kernel (scores filtered sixteen at a time against the heap) where SIMD can serve. */
  override topK(x: Float32Array, n: number, exclude: Int32Array): TopK {
    const simd = this.scorer();
    return simd ? simd.topK(x, n, exclude) : super.topK(x, n, exclude);
  }

  /**
   * Blocked SIMD product, BATCH_USERS users per pass, each with its own heap, a large batch split
   * with a worker thread (DotScorer.splitsAt); the per-user loop where SIMD cannot serve.
   */
  override topKMany(users: Float32Array[], n: number, exclude: (b: number) => Int32Array, visit: (b: number, top: TopK) => void): void {
    const simd = this.scorer();
    if (simd) simd.topKMany(users, n, exclude, visit);
    else super.topKMany(users, n, exclude, visit);
  }

  /** As topKMany; the kernel's batch shares a large one with a worker thread, awaited without blocking. */
  override topKManyAsync(
    users: Float32Array[],
    n: number,
    exclude: (b: number) => Int32Array,
    visit: (b: number, top: TopK) => void,
  ): Promise<void> {
    const simd = this.scorer();
    return simd ? simd.topKManyAsync(users, n, exclude, visit) : super.topKManyAsync(users, n, exclude, visit);
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
