/**
 * iALS as a recipe: training in train.ts (its JavaScript kernels in kernel.ts, the SIMD ones in
 * ../../wasm/train.wat), the trained model in model.ts.
 */
import { DEFAULT_IALS, trainIals, type IalsParams } from "./train.js";
import { IalsModel } from "./model.js";
import type { RecipeDefinition } from "../../recipe.js";

/** iALS's own train options. */
export interface IalsOptions {
  /** iALS hyper-parameters (`params.ials` goes over them). */
  ials?: Partial<IalsParams>;
}

export const ialsRecipe: RecipeDefinition<IalsParams, IalsOptions> = {
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
  shorthand: (options) => options.ials,
  // "auto"'s choice for any data set with interactions that EASE does not take: its model grows as n·k, not n².
  auto: { preference: 2, picks: (shape) => shape.interactions > 0 },
  searchSpace: {
    factors: { kind: "choice", values: [32, 64, 128] },
    regularization: { kind: "log", min: 0.003, max: 0.1 },
    unobservedWeight: { kind: "log", min: 0.03, max: 1 },
    epochs: { kind: "choice", values: [8, 12, 16] },
  },
  // Per epoch: CG row solves cost ~nnz·k plus ~rows·k² (SIMD kernels; fitted on 943×1,682 with 100k
  // events, 0.5 CPU-s at the defaults, and 20,000×5,000 with 500k events, 4 CPU-s, single thread).
  estimateSeconds: (shape, p) =>
    p.epochs * (p.cgSteps / 3) * (3.9e-9 * shape.interactions * p.factors + 1.8e-9 * (shape.users + shape.items) * p.factors * p.factors),
  // One users × items × factors product (SIMD) and a top-10 per user.
  estimateScoringSeconds: (shape, p) => 3e-10 * shape.users * shape.items * p.factors,
};

export { DEFAULT_IALS, trainIals, type IalsParams } from "./train.js";
export { IalsModel, ialsFoldIn } from "./model.js";
