/**
 * pinrec's embedded recommender engine: the stand-in for Amazon Personalize.
 *
 * A library only (no HTTP, no database): import Personalize-schema CSVs,
 * train a recipe, serve recommendations from a Model, save/load it as one
 * binary file, and evaluate recipes offline.
 *
 *   const ds = await importDataset("interactions.csv", { itemsPath: "items.csv" });
 *   const model = await train(ds, { recipe: "auto", seed: 1, onProgress });
 *   await saveModel(model, "model.bin");
 *   model.recommend("user-1", 10);
 */
import { registerRecipe } from "./recipe.js";
import { BUILT_IN_RECIPES } from "./recipes/index.js";

// Model and train find every recipe, built-in or added, through the registry; the built-in ones are
// put there by the engine's entry point, so nothing below it depends on the list of recipes.
for (const def of BUILT_IN_RECIPES) registerRecipe(def);

export {
  importDataset,
  importItems,
  datasetFromEvents,
  buildCsr,
  transpose,
  IdMap,
  ImportError,
  dataShape,
  type Dataset,
  type DataShape,
  type ImportOptions,
  type ItemMetadata,
  type RowError,
  type ProgressEvent,
  type ProgressCallback,
} from "./dataset.js";
export {
  CsvParser,
  CsvRecordTooLongError,
  DEFAULT_MAX_FIELD_CHARS,
  DEFAULT_MAX_RECORD_CHARS,
  readCsv,
  readCsvFile,
  csvField,
  type CsvRecord,
  type CsvSyntaxError,
} from "./csv.js";
export { eventWeight, parseEventWeights, type EventWeights } from "./event-weights.js";
export type { ModelData, Recipe, TrainingStats, TypedArray } from "./model-data.js";
export {
  Model,
  type ScoredItem,
  type Recommendations,
  type Ranking,
  type RecommendOptions,
  type FoldInEvent,
  type FoldInResult,
} from "./model.js";
export { train, resolveRecipe, itemPopularity, type TrainOptions, type RecipeChoice } from "./train.js";
export { DEFAULT_IALS, trainIals, ialsFoldIn, type IalsParams } from "./recipes/ials/index.js";
export {
  DEFAULT_EASE,
  DEFAULT_AUTO_EASE_MAX_ITEMS,
  trainEase,
  invertSpd,
  inverseSpd,
  EaseTooLargeError,
  type EaseParams,
} from "./recipes/ease/index.js";
export { saveModel, loadModel, serializeModel, deserializeModel, MODEL_FORMAT_VERSION } from "./serialize.js";
export { ModelIntegrityError } from "./frame.js";
export { synth, type SynthOptions, type SynthResult } from "./synth.js";
export { evaluate, formatEvalTable, type EvalRow, type EvalRecipe, type EvaluateOptions } from "./evaluate.js";
export { splitDataset, type Split } from "./split.js";
export { scoreModel, type RankingMetrics } from "./metrics.js";
export { topN, topNItems, type TopK } from "./topk.js";
export { Rng } from "./prng.js";
export {
  registerRecipe,
  recipeDefinition,
  registeredRecipes,
  BaseRecipeModel,
  type RecipeDefinition,
  type RecipeModel,
  type TrainedRecipe,
  type TrainContext,
  type UserHistory,
  type SearchDimension,
  type AutoRule,
} from "./recipe.js";
export { MatrixFactorizationModel, popularityRecipe, ialsRecipe, easeRecipe } from "./recipes/index.js";
export {
  tune,
  tuningFits,
  tuneCandidates,
  estimateTrainingSeconds,
  DEFAULT_TUNE_BUDGET_SECONDS,
  type TuneOptions,
  type TuneResult,
  type TuneTrial,
} from "./tune.js";
