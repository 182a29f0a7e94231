/** GetRecommendations' body written as text must be byte for byte what JSON.stringify gives for the same list. */
import { describe, expect, test } from "vitest";
import type { Model } from "../../src/engine/index.js";
import { recommendationsText, wireScore } from "../../src/personalize/api/recommendations-text.js";

const IDS = [
  "plain",
  'with "quotes"',
  "back\\slash",
  "tab\tand\nnewline",
  "ünïcødé ✓",
  "\u0000\u001f",
  "emoji 🎬",
  "\ud800 lone surrogate",
  "",
];

function modelWith(ids: string[]): Model {
  return { itemId: (i: number) => ids[i], nItems: ids.length } as unknown as Model;
}

describe("recommendationsText", () => {
  test("equals JSON.stringify of the object form for awkward ids and every kind of score", () => {
    const model = modelWith(IDS);
    const scores = [0.123456, -0.98765, 0, -0, NaN, Infinity, -Infinity, 1e-9, 12345.67891, 1e25, 0.00005, 0.00015];
    for (let count = 0; count <= IDS.length; count++) {
      const items = Int32Array.from({ length: count }, (_, j) => (j * 5) % IDS.length);
      const top = { count, items, scores: Float64Array.from({ length: count }, (_, j) => scores[(j + count) % scores.length]) };
      const expected = JSON.stringify({
        itemList: Array.from({ length: count }, (_, j) => ({ itemId: IDS[items[j]], score: wireScore(top.scores[j]) })),
        recommendationId: "RID-0f3c",
      });
      // Twice: the second call uses the ids quoted on the first.
      expect(recommendationsText(model, top, "RID-0f3c").text).toBe(expected);
      expect(recommendationsText(model, top, "RID-0f3c").text).toBe(expected);
    }
  });

  test("a retrained model (a new Model object) quotes its own ids", () => {
    const top = { count: 1, items: Int32Array.of(0), scores: Float64Array.of(0.5) };
    expect(recommendationsText(modelWith(["a"]), top, "r").parse().itemList![0].itemId).toBe("a");
    expect(recommendationsText(modelWith(["b"]), top, "r").parse().itemList![0].itemId).toBe("b");
  });
});
