/**
 * The kernels that select top-k inside WebAssembly (one user, a block of users, EASE) against the
 * path they replaced: every item scored into a float64 array by the recipe's `score`, the
 * user's seen items and `exclude` set to -Infinity, topN. Same items, same order, same scores,
 * ties to the lower index, for random models with many tied scores, random exclusions and sizes.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Model, Rng, topN, type ModelData, type RecommendOptions } from "../../src/engine/index.js";
import type { TopK } from "../../src/engine/topk.js";
import { BATCH_THREADS, BATCH_USERS, DotScorer } from "../../src/engine/wasm/scorer.js";

/**
 * Runs `fn` with every batch split with the worker thread (DotScorer.splitsAt), however small, so
 * that the random models below cover the threaded path too (the worker serving the users from
 * the middle on, this thread the first ones, both on the same memory).
 */
async function threaded<T>(fn: () => T | Promise<T>): Promise<T> {
  const saved = { ...BATCH_THREADS };
  Object.assign(BATCH_THREADS, { minUsers: 1, minWork: 0, cores: 2 });
  try {
    return await fn();
  } finally {
    Object.assign(BATCH_THREADS, saved);
  }
}

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
      ? {
          userFactors: floats(s.users * s.factors),
          itemFactors: floats(s.items * s.factors),
          itemGram: new Float64Array(s.factors * s.factors),
        }
      : s.recipe === "ease"
        ? { easeB: floats(s.items * s.items) }
        : {};
  return new Model({
    recipe: s.recipe,
    params:
      s.recipe === "ials"
        ? { factors: s.factors, epochs: 1, regularization: 0.05, unobservedWeight: 0.3, alpha: 1, initStd: 0.1, cgSteps: 3 }
        : {},
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

type Visit = (u: number, t: TopK) => void;
const answer = (t: TopK) => ({ items: Array.from(t.items.subarray(0, t.count)), scores: Array.from(t.scores.subarray(0, t.count)) });

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
  // Up to three passes, so that the worker thread (threaded) serves more than one.
  users: fc.integer({ min: 1, max: 2 * BATCH_USERS + 9 }),
  items: fc.integer({ min: 1, max: 300 }),
  // 16 and 32: the SIMD kernels; 24: the JavaScript loop, which must agree as well.
  factors: fc.constantFrom(16, 24, 32),
  ties: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

describe("serving: kernel top-k equals score + topN", () => {
  test("recommend, recommendTop, recommendBatch and recommendIndex, every recipe, random models, exclusions and sizes", async () => {
    await fc.assert(
      fc.asyncProperty(
        shape,
        fc.integer({ min: 0, max: 320 }),
        fc.boolean(),
        fc.array(fc.integer({ min: -1, max: 320 }), { maxLength: 6 }),
        async (s, n, excludeSeen, extra) => {
          const m = randomModel(s);
          const opts: RecommendOptions = { excludeSeen, ...(extra.length && { exclude: extra.map((i) => (i < 0 ? "ghost" : `i${i}`)) }) };
          const batch = m.recommendBatch(m.data.userIds, n, opts);
          // The same batch split with the worker thread, blocking and not (the send pipeline's path).
          const [split, splitAsync] = await threaded(async () => [
            m.recommendBatch(m.data.userIds, n, opts),
            await m.recommendBatchAsync(m.data.userIds, n, opts),
          ]);
          for (let u = 0; u < s.users; u++) {
            const want = reference(m, u, n, opts);
            const single = m.recommend(`u${u}`, n, opts);
            expect([...single]).toEqual(want);
            expect([...batch[u]]).toEqual(want);
            expect([...split[u]]).toEqual(want);
            expect([...splitAsync[u]]).toEqual(want);
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
  test("one user and a block of users select exactly what topN selects over the kernel's own scores", async () => {
    const rng = new Rng(8);
    for (const [n, k, users, want] of [
      [1, 16, 1, 5],
      [37, 32, 5, 37],
      [1000, 64, 3 * BATCH_USERS + 3, 25],
      [333, 128, 3, 1],
    ]) {
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
      for (const run of [
        (visit: Visit) => scorer.topKMany(X, want, (u) => exclusions[u], visit),
        (visit: Visit) => threaded(() => scorer.topKMany(X, want, (u) => exclusions[u], visit)),
        (visit: Visit) => threaded(() => scorer.topKManyAsync(X, want, (u) => exclusions[u], visit)),
      ]) {
        const seen: number[] = [];
        await run((u, t) => {
          seen.push(u);
          expect(answer(t)).toEqual(expected[u]);
        });
        expect(seen).toEqual(X.map((_, u) => u));
      }
    }
  });

  test("overlapping batches: async ones queue, a blocking one meanwhile serves user by user, all agree", async () => {
    const rng = new Rng(10);
    const n = 500,
      k = 32;
    const Y = Float32Array.from({ length: n * k }, () => rng.next() * 2 - 1);
    const X = Array.from({ length: 150 }, () => Float32Array.from({ length: k }, () => rng.next() * 2 - 1));
    const none = new Int32Array(0);
    const scorer = DotScorer.create(Y, k)!;
    const expected = X.map((x) => answer(scorer.topK(x, 7, none)));
    const collect = () => {
      const got: ReturnType<typeof answer>[] = [];
      return { got, visit: (u: number, t: TopK) => (got[u] = answer(t)) };
    };
    await threaded(async () => {
      const a = collect(),
        b = collect(),
        c = collect();
      const first = scorer.topKManyAsync(X, 7, () => none, a.visit);
      const second = scorer.topKManyAsync(X.slice().reverse(), 7, () => none, b.visit);
      scorer.topKMany(X, 7, () => none, c.visit);
      await Promise.all([first, second]);
      expect(a.got).toEqual(expected);
      expect(b.got).toEqual(expected.slice().reverse());
      expect(c.got).toEqual(expected);
    });
  });

  test("recommendBatchAsync leaves the event loop free between passes (one thread, two threads, a recipe without a kernel)", async () => {
    for (const [recipe, split] of [
      ["ials", false],
      ["ials", true],
      ["ease", false],
    ] as const) {
      const m = randomModel({ recipe, users: 3 * BATCH_USERS, items: 200, factors: 16, ties: false, seed: 3 });
      let ticks = 0;
      let running = true;
      const tick = () => {
        if (!running) return;
        ticks++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const got = split ? await threaded(() => m.recommendBatchAsync(m.data.userIds, 5)) : await m.recommendBatchAsync(m.data.userIds, 5);
      running = false;
      // Three passes here (one, split: the worker takes the rest): the loop turned between them.
      expect(ticks).toBeGreaterThanOrEqual(split ? 1 : 2);
      expect(got).toEqual(m.recommendBatch(m.data.userIds, 5));
    }
  });

  test("the split threshold: the issue's batch (1,000 users × 10k items × 64 factors) uses the worker, a small one does not", () => {
    const scorer = DotScorer.create(new Float32Array(10_000 * 64).fill(0.5), 64)!;
    expect(scorer.splitsAt(1000)).toBe(BATCH_THREADS.cores > 1);
    expect(scorer.splitsAt(BATCH_USERS)).toBe(false);
    expect(DotScorer.create(new Float32Array(300 * 16).fill(0.5), 16)!.splitsAt(1000)).toBe(false);
  });

  test("vectors and factors the integer pass cannot bound (Infinity, NaN) fall back to the float32 kernels and still agree", async () => {
    const rng = new Rng(9);
    const n = 200,
      k = 32;
    const Y = Float32Array.from({ length: n * k }, () => rng.next() * 2 - 1);
    const X = Array.from({ length: 9 }, () => Float32Array.from({ length: k }, () => rng.next() * 2 - 1));
    X[2][5] = Infinity;
    X[7][0] = Number.NaN;
    const check = async (scorer: DotScorer) => {
      const none = new Int32Array(0);
      const expected = X.map((x) => {
        const t = topN(Float64Array.from(scorer.score(x)), 10);
        return { items: Array.from(t.idx), scores: Array.from(t.score) };
      });
      X.forEach((x, u) => {
        const t = scorer.topK(x, 10, none);
        expect({ items: Array.from(t.items.subarray(0, t.count)), scores: Array.from(t.scores.subarray(0, t.count)) }).toEqual(expected[u]);
      });
      const visit = (u: number, t: TopK) => expect(answer(t)).toEqual(expected[u]);
      scorer.topKMany(X, 10, () => none, visit);
      await threaded(() => scorer.topKMany(X, 10, () => none, visit));
      await threaded(() => scorer.topKManyAsync(X, 10, () => none, visit));
    };
    await check(DotScorer.create(Y, k)!);
    const withNaN = Y.slice();
    withNaN[3 * k + 1] = Number.NaN;
    await check(DotScorer.create(withNaN, k)!);
    // A zero user vector: every approximate score ties at 0 and every item is a candidate.
    X[4].fill(0);
    await check(DotScorer.create(Y, k)!);
  });
});
