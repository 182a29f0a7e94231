/** iALS as a recipe: training in ../ials.ts; a new history is folded in by an exact solve against the item factors. */
import { MatrixFactorizationModel } from "./matrix-factorization.js";
import { DEFAULT_IALS, ialsFoldIn, trainIals, type IalsParams } from "../ials.js";
import type { RecipeDefinition, UserHistory } from "../recipe.js";
import type { ModelData } from "../model.js";

class IalsModel extends MatrixFactorizationModel {
  private readonly itemGram: Float64Array;
  constructor(data: ModelData) {
    super(data);
    this.itemGram = data.arrays.itemGram as Float64Array;
  }
  foldIn(h: UserHistory): Float32Array {
    return ialsFoldIn(h.items, h.weights, this.itemFactors, this.itemGram, this.k, this.nItems, this.data.params as unknown as IalsParams);
  }
}

export const ialsRecipe: RecipeDefinition<IalsParams> = {
  name: "ials",
  defaults: DEFAULT_IALS,
  async train(ds, params, ctx) {
    const r = await trainIals(ds, params, { seed: ctx.seed, threads: ctx.threads, onProgress: ctx.onProgress });
    return {
      params: { ...params },
      arrays: { userFactors: r.userFactors, itemFactors: r.itemFactors, itemGram: r.itemGram },
      stats: { epochs: params.epochs },
    };
  },
  load: (data) => new IalsModel(data),
};
