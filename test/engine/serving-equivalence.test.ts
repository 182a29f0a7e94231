/**
 * The kernels that select top-k inside WebAssembly (one user, a block of users, EASE) against the
 * path they replaced: every item scored into a float64 array by the recipe's `score`, the
 * user's seen items and `exclude` set to -Infinity, topN. Same items, same order, same scores,
 * ties to the lower index, for random models with many tied scores, random exclusions and sizes.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Model, Rng, topN, type ModelData, type RecommendOptions } from "../../src/engine/index.js";
import { BATCH_USERS, DotScorer } from "../../src/engine/wasm/scorer.js";

interface Shape {
  recipe: "ials" | "ease" | "popularity";
  users: number;
  items: number;
  factors: number;
  /** Values on a coarse grid, so that many scores tie exactly. */
  ties: boolean;
  seed: number;
}

function randomModel(s: Shape): Model {
  const rng = new Rng(s.seed);
  const value = () => (s.ties ? Math.round(rng.gaussian() * 2) / 2 : rng.gaussian() * 0.3);
  const floats = (n: number) => Float32Array.from({ length: n }, value);
  const indptr = new Int32Array(s.users + 1);
  const indices: number[] = [];
  for (let u = 0; u < s.users; u++) {
    const seen = new Set<number>();
    const want = Math.floor(rng.next() * Math.min(s.items, 12));
    while (seen.size < want) seen.add(Math.floor(rng.next() * s.items));
    indices.push(...[...seen].sort((a, b) => a - b));
    indptr[u + 1] = indices.length;
  }
  const arrays: ModelData["arrays"] =
    s.recipe === "ials"
      ? { userFactors: floats(s.users * s.factors), itemFactors: floats(s.items * s.factors), itemGram: new Float64Array(s.factors * s.factors) }
      : s.recipe === "ease"
        ? { easeB: floats(s.items * s.items) }
        : {};
  return new Model({
    recipe: s.recipe,
    params: s.recipe === "ials" ? { factors: s.factors, epochs: 1, regularization: 0.05, unobservedWeight: 0.3, alpha: 1, initStd: 0.1, cgSteps: 3 } : {},
    seed: s.seed,
    stats: { users: s.users, items: s.items, interactions: indices.length },
    userIds: Array.from({ length: s.users }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: s.items }, (_, i) => `i${i}`),
    metadata: { columns: [], rows: [] },
    seenIndptr: indptr,
    seenIndices: Int32Array.from(indices),
    seenWeights: new Float32Array(indices.length).fill(1),
    popularity: Float32Array.from({ length: s.items }, () => Math.floor(rng.next() * 5)),
    arrays,
  });
}

/** The path before the kernels: score every item, exclude, topN. Trained users only. */
function reference(m: Model, u: number, n: number, opts: RecommendOptions): { itemId: string; score: number }[] {
  const scores = new Float64Array(m.nItems);
  m.recipeModel.score(m.recipeModel.trainedUser(u), scores);
  if (opts.excludeSeen ?? true) for (const id of m.seenItems(`u${u}`)) scores[Number(id.slice(1))] = -Infinity;
  for (const id of opts.exclude ?? []) if (m.hasItem(id)) scores[Number(id.slice(1))] = -Infinity;
  const { idx, score } = topN(scores, n);
  return Array.from(idx, (i, j) => ({ itemId: `i${i}`, score: score[j] }));
}

const shape = fc.record({
  recipe: fc.constantFrom("ials", "ease", "popularity") as fc.Arbitrary<Shape["recipe"]>,
  users: fc.integer({ min: 1, max: BATCH_USERS + 9 }),
  items: fc.integer({ min: 1, max: 300 }),
  // 16 and 32: the SIMD kernels; 24: the JavaScript loop, which must agree as well.
  factors: fc.constantFrom(16, 24, 32),
  ties: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

describe("serving: kernel top-k equals score + topN", () => {
  test("recommend, recommendTop, recommendBatch and recommendIndex, every recipe, random models, exclusions and sizes", () => {
    fc.assert(
      fc.property(
        shape,
        fc.integer({ min: 0, max: 320 }),
        fc.boolean(),
        fc.array(fc.integer({ min: -1, max: 320 }), { maxLength: 6 }),
        (s, n, excludeSeen, extra) => {
          const m = randomModel(s);
          const opts: RecommendOptions = { excludeSeen, ...(extra.length && { exclude: extra.map((i) => (i < 0 ? "ghost" : `i${i}`)) }) };
          const batch = m.recommendBatch(m.data.userIds, n, opts);
          for (let u = 0; u < s.users; u++) {
            const want = reference(m, u, n, opts);
            const single = m.recommend(`u${u}`, n, opts);
            expect([...single]).toEqual(want);
            expect([...batch[u]]).toEqual(want);
            expect(single.fallback || batch[u].fallback).toBe(false);
            const top = m.recommendTop(`u${u}`, n, opts);
            expect(Array.from(top.items.subarray(0, top.count), (i) => m.itemId(i))).toEqual(want.map((w) => w.itemId));
            expect(top.fallback).toBe(false);
            // Evaluation's index-level path (pinrec evaluate, tuning) goes through the same kernels.
            const indexWant = reference(m, u, n, { excludeSeen }).map((w) => w.itemId);
            expect(Array.from(m.recommendIndex(u, n, excludeSeen), (i) => m.itemId(i))).toEqual(indexWant);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  test("folded-in and unknown users: the kernels answer from the folded state, unknown users from popularity", () => {
    for (const recipe of ["ials", "ease"] as const) {
      const m = randomModel({ recipe, users: 20, items: 90, factors: 16, ties: true, seed: 7 });
      m.foldIn("u3", [{ itemId: "i5", weight: 2 }, { itemId: "i70" }]);
      m.foldIn("new", [{ itemId: "i1" }]);
      const users = ["u3", "new", "nobody", "u4"];
      const batch = m.recommendBatch(users, 10);
      for (const [j, id] of users.entries()) {
        const single = m.recommend(id, 10);
        expect(batch[j]).toEqual(single);
        expect(single.fallback).toBe(id === "nobody");
        expect(single.map((r) => r.itemId)).not.toContain(id === "u3" ? "i5" : id === "new" ? "i1" : "none");
      }
      const popular = topN(m.data.popularity, 10);
      expect(m.recommend("nobody", 10).map((r) => r.itemId)).toEqual(Array.from(popular.idx, (i) => `i${i}`));
    }
  });
});

describe("SIMD top-k kernels", () => {
  test("one user and a block of users select exactly what topN selects over the kernel's own scores", () => {
    const rng = new Rng(8);
    for (const [n, k, users, want] of [[1, 16, 1, 5], [37, 32, 5, 37], [1000, 64, BATCH_USERS + 3, 25], [333, 128, 3, 1]]) {
      const Y = Float32Array.from({ length: n * k }, () => Math.round(rng.next() * 8 - 4) / 4);
      const X = Array.from({ length: users }, () => Float32Array.from({ length: k }, () => Math.round(rng.next() * 8 - 4) / 4));
      const exclusions = X.map(() => Int32Array.from(new Set(Array.from({ length: 6 }, () => Math.floor(rng.next() * n)))).sort());
      const scorer = DotScorer.create(Y, k)!;
      const expected = X.map((x, u) => {
        const scores = Float64Array.from(scorer.score(x));
        for (const i of exclusions[u]) scores[i] = -Infinity;
        const t = topN(scores, want);
        return { items: Array.from(t.idx), scores: Array.from(t.score) };
      });
      X.forEach((x, u) => {
        const t = scorer.topK(x, want, exclusions[u]);
        expect({ items: Array.from(t.items.subarray(0, t.count)), scores: Array.from(t.scores.subarray(0, t.count)) }).toEqual(expected[u]);
      });
      const seen: number[] = [];
      scorer.topKMany(X, want, (u) => exclusions[u], (u, t) => {
        seen.push(u);
        expect({ items: Array.from(t.items.subarray(0, t.count)), scores: Array.from(t.scores.subarray(0, t.count)) }).toEqual(expected[u]);
      });
      expect(seen).toEqual(X.map((_, u) => u));
    }
  });

  test("vectors and factors the integer pass cannot bound (Infinity, NaN) fall back to the float32 kernels and still agree", () => {
    const rng = new Rng(9);
    const n = 200, k = 32;
    const Y = Float32Array.from({ length: n * k }, () => rng.next() * 2 - 1);
    const X = Array.from({ length: 9 }, () => Float32Array.from({ length: k }, () => rng.next() * 2 - 1));
    X[2][5] = Infinity;
    X[7][0] = Number.NaN;
    const check = (scorer: DotScorer) => {
      const none = new Int32Array(0);
      const expected = X.map((x) => {
        const t = topN(Float64Array.from(scorer.score(x)), 10);
        return { items: Array.from(t.idx), scores: Array.from(t.score) };
      });
      X.forEach((x, u) => {
        const t = scorer.topK(x, 10, none);
        expect({ items: Array.from(t.items.subarray(0, t.count)), scores: Array.from(t.scores.subarray(0, t.count)) }).toEqual(expected[u]);
      });
      scorer.topKMany(X, 10, () => none, (u, t) => {
        expect({ items: Array.from(t.items.subarray(0, t.count)), scores: Array.from(t.scores.subarray(0, t.count)) }).toEqual(expected[u]);
      });
    };
    check(DotScorer.create(Y, k)!);
    const withNaN = Y.slice();
    withNaN[3 * k + 1] = Number.NaN;
    check(DotScorer.create(withNaN, k)!);
    // A zero user vector: every approximate score ties at 0 and every item is a candidate.
    X[4].fill(0);
    check(DotScorer.create(Y, k)!);
  });
});
