import fc from "fast-check";
import { expect, test } from "vitest";
import { topN } from "../../src/engine/topk.js";

test("topN equals a full sort: best score first, ties to the lower index, -Infinity and NaN excluded", () => {
  const score = fc.oneof(
    fc.integer({ min: -5, max: 5 }), // many ties
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }),
    fc.constant(-Infinity),
    fc.constant(Number.NaN),
  );
  fc.assert(
    fc.property(fc.array(score, { maxLength: 300 }), fc.integer({ min: 0, max: 40 }), (scores, n) => {
      const want = scores
        .map((s, i) => ({ s, i }))
        .filter(({ s }) => s !== -Infinity && !Number.isNaN(s))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .slice(0, n);
      for (const input of [Float64Array.from(scores), scores]) {
        const got = topN(input, n);
        expect(Array.from(got.idx)).toEqual(want.map((w) => w.i));
        expect(Array.from(got.score)).toEqual(want.map((w) => w.s));
      }
    }),
    { numRuns: 500 },
  );
});
