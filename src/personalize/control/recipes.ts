/**
 * Personalize's recipes (https://docs.aws.amazon.com/personalize/latest/dg/working-with-predefined-recipes.html)
 * and the embedded engine's recipe each trains with. A solution names a Personalize recipe ARN; its
 * versions are trained by the engine recipe mapped here (docs/personalize.md lists the mapping).
 */
import type { RecipeChoice } from "../../engine/index.js";

export interface RecipeInfo {
  name: string;
  recipeArn: string;
  /** Personalize's recipe type: what the campaign answers (GetRecommendations by user or item, or rankings). */
  recipeType: "USER_PERSONALIZATION" | "RELATED_ITEMS" | "PERSONALIZED_RANKING";
  engineRecipe: RecipeChoice;
  description: string;
}

const recipe = (name: string, recipeType: RecipeInfo["recipeType"], engineRecipe: RecipeChoice, description: string): RecipeInfo => ({
  name,
  recipeArn: `arn:aws:personalize:::recipe/${name}`,
  recipeType,
  engineRecipe,
  description,
});

export const RECIPES: RecipeInfo[] = [
  recipe(
    "aws-user-personalization",
    "USER_PERSONALIZATION",
    "ials",
    "Recommendations per user, trained by pinrec's iALS matrix factorisation",
  ),
  recipe(
    "aws-user-personalization-v2",
    "USER_PERSONALIZATION",
    "ials",
    "Recommendations per user, trained by pinrec's iALS matrix factorisation",
  ),
  recipe("aws-popularity-count", "USER_PERSONALIZATION", "popularity", "The most popular items, counted by pinrec's popularity recipe"),
  recipe(
    "aws-trending-now",
    "USER_PERSONALIZATION",
    "popularity",
    "Popular items, counted by pinrec's popularity recipe (no recency window)",
  ),
  recipe("aws-similar-items", "RELATED_ITEMS", "auto", "Items related to an item: EASE on small catalogues, iALS item factors above"),
  recipe("aws-sims", "RELATED_ITEMS", "auto", "Items related to an item: EASE on small catalogues, iALS item factors above"),
  recipe("aws-personalized-ranking", "PERSONALIZED_RANKING", "ials", "A user's ranking of given items, scored by pinrec's iALS model"),
  recipe("aws-personalized-ranking-v2", "PERSONALIZED_RANKING", "ials", "A user's ranking of given items, scored by pinrec's iALS model"),
];

export const recipeByArn = (arn: string): RecipeInfo | undefined => RECIPES.find((r) => r.recipeArn === arn);
