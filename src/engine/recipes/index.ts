/**
 * The built-in recipes, a folder each, registered by the engine's entry point (../index.ts). A new
 * recipe is one folder here plus its entry below, or a `registerRecipe` call of its own.
 */
import type { RecipeDefinition } from "../recipe.js";
import { popularityRecipe } from "./popularity/index.js";
import { ialsRecipe, type IalsOptions } from "./ials/index.js";
import { easeRecipe, type EaseOptions } from "./ease/index.js";

/** In registration order (the order `registeredRecipes` lists them in). */
export const BUILT_IN_RECIPES: readonly RecipeDefinition<object>[] = [popularityRecipe, ialsRecipe, easeRecipe];

/**
 * The built-in recipes' own train options (TrainOptions extends it): `ials` and `ease` for their
 * hyper-parameters, `autoEaseMaxItems`. Their `auto` rules: EASE up to autoEaseMaxItems items (and
 * its maxItems), iALS above, popularity for a data set without interactions.
 */
export interface BuiltInRecipeOptions extends IalsOptions, EaseOptions {}

export { popularityRecipe, ialsRecipe, easeRecipe };
export { MatrixFactorizationModel } from "./matrix-factorization.js";
