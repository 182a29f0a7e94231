/**
 * Popularity: distinct users per item, the same list for everyone. Also every model's fallback
 * for unknown users. The trained model is in model.ts.
 */
import type { RecipeDefinition } from "../../recipe.js";
import type { ModelData } from "../../model-data.js";
import { PopularityModel } from "./model.js";

export const popularityRecipe: RecipeDefinition<Record<string, never>> = {
  name: "popularity",
  defaults: {},
  // Popularity is shared by every model (the fallback), so there is nothing recipe-specific to store.
  train: async () => ({ params: {}, arrays: {} }),
  load: (data: ModelData) => new PopularityModel(data),
  // "auto"'s last resort: a data set without interactions has nothing personal to learn.
  auto: { preference: 3, picks: () => true },
  estimateSeconds: () => 0,
};

export { PopularityModel } from "./model.js";
