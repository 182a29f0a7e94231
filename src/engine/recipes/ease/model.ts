/** EASE's trained half: the item-item matrix B; a user's scores are the sum of B's rows of their items. */
import { BaseRecipeModel, type TopK, type UserHistory } from "../../recipe.js";
import { EaseScorer } from "../../wasm/scorer.js";
import type { ModelData } from "../../model-data.js";

export class EaseModel extends BaseRecipeModel<Int32Array> {
  private B: Float32Array;
  /** The SIMD kernel, built on first use; null where it cannot serve. */
  private simd: EaseScorer | null | undefined;
  constructor(data: ModelData) {
    super(data);
    this.B = data.arrays.easeB as Float32Array;
  }

  /**
   * B is copied into the kernel's memory, and this model and its data read that copy from then on:
   * a freshly trained B can then be collected. A model loaded from a file keeps the file's buffer
   * too (it backs every section), so there B is held twice (n² floats each: 16 MB at 2,000 items).
   */
  private scorer(): EaseScorer | null {
    if (this.simd === undefined) {
      this.simd = EaseScorer.create(this.B, this.nItems) ?? null;
      if (this.simd) this.B = this.data.arrays.easeB = this.simd.B;
    }
    return this.simd;
  }

  override topK(items: Int32Array, n: number, exclude: Int32Array): TopK {
    const simd = this.scorer();
    return simd ? simd.topK(items, n, exclude) : super.topK(items, n, exclude);
  }
  trainedUser(u: number): Int32Array {
    const d = this.data;
    return d.seenIndices.subarray(d.seenIndptr[u], d.seenIndptr[u + 1]);
  }
  foldIn(history: UserHistory): Int32Array {
    return history.items;
  }
  score(items: Int32Array, scores: Float64Array): void {
    const B = this.B;
    const nI = this.nItems;
    scores.fill(0);
    for (let e = 0; e < items.length; e++) {
      const o = items[e] * nI;
      for (let j = 0; j < nI; j++) scores[j] += B[o + j];
    }
  }
  /** The item's row of B: what the model recommends to someone who saw only that item. */
  similar(i: number, scores: Float64Array): void {
    const nI = this.nItems;
    for (let j = 0; j < nI; j++) scores[j] = this.B[i * nI + j];
  }
}
