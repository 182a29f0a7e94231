import { describe, expect, test } from "vitest";
import { DotScorer } from "../../src/engine/wasm/scorer.js";
import { Rng } from "../../src/engine/prng.js";

describe("WebAssembly SIMD scoring kernel", () => {
  test("matches a float64 dot product for every item, across model shapes", () => {
    const rng = new Rng(3);
    for (const [n, k] of [
      [1, 16],
      [7, 32],
      [1000, 64],
      [333, 128],
    ]) {
      const Y = Float32Array.from({ length: n * k }, () => rng.next() * 2 - 1);
      const x = Float32Array.from({ length: k }, () => rng.next() * 2 - 1);
      const scorer = DotScorer.create(Y, k)!;
      expect(scorer).toBeDefined();
      const got = scorer.score(x);
      expect(got).toHaveLength(n);
      for (let i = 0; i < n; i++) {
        let want = 0;
        for (let f = 0; f < k; f++) want += Y[i * k + f] * x[f];
        expect(Math.abs(got[i] - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      }
      // A second call with another vector reuses the memory and is just as exact.
      const x2 = Float32Array.from({ length: k }, () => rng.next());
      const again = scorer.score(x2);
      let want0 = 0;
      for (let f = 0; f < k; f++) want0 += Y[f] * x2[f];
      expect(Math.abs(again[0] - want0)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want0)));
    }
  });

  test("declines shapes it cannot serve, so the caller keeps its JavaScript loop", () => {
    expect(DotScorer.create(new Float32Array(24 * 10), 24)).toBeUndefined();
    expect(DotScorer.create(new Float32Array(0), 0)).toBeUndefined();
  });
});
