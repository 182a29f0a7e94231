/**
 * EASE as a recipe: training in train.ts (the inverse, its one expensive step, in kernel.ts), the
 * trained model in model.ts.
 */
import { DEFAULT_EASE, trainEase, type EaseParams } from "./train.js";
import { EaseModel } from "./model.js";
import type { RecipeDefinition } from "../../recipe.js";

/** Seconds per n³ of the EASE inverse, fitted on this machine (see docs/engine.md, "Training"). */
const EASE_INVERSE_SECONDS_PER_N3 = 1.5e-10;

export const DEFAULT_AUTO_EASE_MAX_ITEMS = 3000;

/** EASE's own train options. */
export interface EaseOptions {
  /** EASE hyper-parameters (`params.ease` goes over them). */
  ease?: Partial<EaseParams>;
  /**
   * "auto" uses EASE up to this many items. EASE needs no iterations and is robust to its one
   * hyper-parameter; with the SIMD inverse it trains 3,000 items in ~3 s on the reference machine,
   * but its model is a dense n×n float32 matrix (36 MB at 3,000 items, 100 MB at 5,000) held by
   * every serving process, and its time grows as n³. Above this iALS, whose model grows as n·k.
   * Default 3000.
   */
  autoEaseMaxItems?: number;
}

export const easeRecipe: RecipeDefinition<EaseParams, EaseOptions> = {
  name: "ease",
  defaults: DEFAULT_EASE,
  async train(ds, params, ctx) {
    const easeB = await trainEase(ds, params, { threads: ctx.threads, onProgress: ctx.onProgress });
    return { params: { ...params }, arrays: { easeB } };
  },
  load: (data) => new EaseModel(data),
  shorthand: (options) => options.ease,
  // Beyond maxItems its train refuses (EaseTooLargeError).
  canTrain: (shape, params) => shape.items <= params.maxItems,
  // "auto"'s first choice, up to autoEaseMaxItems (see EaseOptions).
  auto: {
    preference: 1,
    picks: (shape, _params, options) => shape.interactions > 0 && shape.items <= (options.autoEaseMaxItems ?? DEFAULT_AUTO_EASE_MAX_ITEMS),
  },
  searchSpace: { lambda: { kind: "log", min: 20, max: 2000 } },
  // The inverse is n³/2 multiply-adds in SIMD on two threads (~0.85 s at 1,682 items, CPU-s of one
  // thread on the reference machine); the Gram matrix is Σ n_u² over users.
  estimateSeconds: (shape) =>
    EASE_INVERSE_SECONDS_PER_N3 * shape.items ** 3 + 1.3e-8 * (shape.interactions ** 2 / Math.max(1, shape.users)),
  // Scoring sums a row of B per item of the user's history: interactions × items.
  estimateScoringSeconds: (shape) => 3e-9 * shape.interactions * shape.items,
};

export { DEFAULT_EASE, trainEase, EaseTooLargeError, type EaseParams } from "./train.js";
export { invertSpd, inverseSpd } from "./kernel.js";
export { EaseModel } from "./model.js";
