/**
 * The built-in recipes, a folder each, registered by the engine's entry point (../index.ts). A new
 * recipe is one folder here plus its entry below, or a `registerRecipe` call of its own.
 */
import type { RecipeDefinition } from "../recipe.js";
import { popularityRecipe } from "./popularity/index.js";
import { ialsRecipe } from "./ials/index.js";
import { easeRecipe } from "./ease/index.js";

/** In registration order (the order `registeredRecipes` lists them in). */
export const BUILT_IN_RECIPES: readonly RecipeDefinition<object>[] = [popularityRecipe, ialsRecipe, easeRecipe];

export { popularityRecipe, ialsRecipe, easeRecipe };
export { MatrixFactorizationModel } from "./matrix-factorization.js";
