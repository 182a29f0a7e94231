/** The built-in recipes. A new recipe is one file in this folder plus its line here (or a `registerRecipe` call of its own). */
import { registerRecipe } from "../recipe.js";
import { popularityRecipe } from "./popularity.js";
import { ialsRecipe } from "./ials.js";
import { easeRecipe } from "./ease.js";

registerRecipe(popularityRecipe);
registerRecipe(ialsRecipe);
registerRecipe(easeRecipe);

export { popularityRecipe, ialsRecipe, easeRecipe };
export { MatrixFactorizationModel } from "./matrix-factorization.js";
