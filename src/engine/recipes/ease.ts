/** EASE as a recipe: the item-item matrix B; a user's scores are the sum of B's rows of their items. */
import { BaseRecipeModel, type RecipeDefinition, type UserHistory } from "../recipe.js";
import { DEFAULT_EASE, trainEase, type EaseParams } from "../ease.js";
import type { ModelData } from "../model.js";

class EaseModel extends BaseRecipeModel<Int32Array> {
  private readonly B: Float32Array;
  constructor(data: ModelData) {
    super(data);
    this.B = data.arrays.easeB as Float32Array;
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

/** Seconds per n³ of the EASE inverse, fitted on this machine (see docs/engine.md, "Training"). */
const EASE_INVERSE_SECONDS_PER_N3 = 1.5e-10;

export const easeRecipe: RecipeDefinition<EaseParams> = {
  name: "ease",
  defaults: DEFAULT_EASE,
  async train(ds, params, ctx) {
    const easeB = await trainEase(ds, params, { threads: ctx.threads, onProgress: ctx.onProgress });
    return { params: { ...params }, arrays: { easeB } };
  },
  load: (data) => new EaseModel(data),
  searchSpace: { lambda: { kind: "log", min: 20, max: 2000 } },
  // The inverse is n³/2 multiply-adds in SIMD on two threads (~0.85 s at 1,682 items, CPU-s of one
  // thread on the reference machine); the Gram matrix is Σ n_u² over users.
  estimateSeconds: (shape) => EASE_INVERSE_SECONDS_PER_N3 * shape.items ** 3 + 1.3e-8 * (shape.interactions ** 2 / Math.max(1, shape.users)),
  // Scoring sums a row of B per item of the user's history: interactions × items.
  estimateScoringSeconds: (shape) => 3e-9 * shape.interactions * shape.items,
};
