/** The built-in recipes, a folder each. A new recipe is one folder here plus its line below (or a `registerRecipe` call of its own). */
import { registerRecipe } from "../recipe.js";
import { popularityRecipe } from "./popularity/index.js";
import { ialsRecipe } from "./ials/index.js";
import { easeRecipe } from "./ease/index.js";

registerRecipe(popularityRecipe);
registerRecipe(ialsRecipe);
registerRecipe(easeRecipe);

export { popularityRecipe, ialsRecipe, easeRecipe };
export { MatrixFactorizationModel } from "./matrix-factorization.js";
