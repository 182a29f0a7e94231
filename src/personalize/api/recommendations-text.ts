/**
 * GetRecommendations' response body written as JSON text straight from the engine's top-k buffers:
 * no object per item and no JSON.stringify of a response tree (issue "speed", part 2: the response
 * built without intermediate objects). The bytes are exactly what `JSON.stringify` gives for
 * `{ itemList: [{ itemId, score }], recommendationId }`; each item id is quoted once per model.
 */
import type { GetRecommendationsResponse } from "@aws-sdk/client-personalize-runtime";
import type { Model, TopK } from "../../engine/index.js";
import { JsonText } from "../../shared/json-text.js";

/** Scores are rounded as Personalize rounds them (four decimals); NaN or ±Infinity never reaches the wire. */
export const wireScore = (s: number | null): number | undefined =>
  s === null || !Number.isFinite(s) ? undefined : Math.round(s * 1e4) / 1e4;

/** Each model's item ids as JSON string literals, filled on first use (a retrained model is a new Model). */
const quotedIds = new WeakMap<Model, (string | undefined)[]>();

function quotedId(model: Model, item: number): string {
  let ids = quotedIds.get(model);
  // Sized up front: an array first written at a high index would fall back to dictionary storage.
  if (!ids) quotedIds.set(model, (ids = new Array<string | undefined>(model.nItems)));
  return (ids[item] ??= JSON.stringify(model.itemId(item)));
}

export function recommendationsText(model: Model, top: TopK, recommendationId: string): JsonText<GetRecommendationsResponse> {
  let text = '{"itemList":[';
  for (let j = 0; j < top.count; j++) {
    const score = wireScore(top.scores[j]);
    // A finite number's JSON text is its shortest round-trip form, as String() writes it.
    text += `${j === 0 ? "" : ","}{"itemId":${quotedId(model, top.items[j])}${score === undefined ? "" : `,"score":${score}`}}`;
  }
  return new JsonText(`${text}],"recommendationId":${JSON.stringify(recommendationId)}}`);
}
