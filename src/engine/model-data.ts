/**
 * What a trained model is made of, shared by Model (model.ts), the recipes (recipes/) and the file
 * format (serialize.ts): types only, importing nothing of the engine but the data set's metadata type.
 */
import type { ItemMetadata } from "./dataset.js";

export type TypedArray = Int32Array | Float32Array | Float64Array;

/** A registered recipe name: "popularity", "ials", "ease", or one added with registerRecipe. */
export type Recipe = string;

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
  /** The recipe's effective hyper-parameters. */
  params: Record<string, unknown>;
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
  /** The recipe's own arrays (e.g. iALS factors, EASE's B), by section name, in file order. */
  arrays: Record<string, TypedArray>;
}
