import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { importDataset, synth, train, type Dataset, type Model } from "../../src/engine/index.js";
import { DotScorer, BATCH_USERS } from "../../src/engine/wasm/scorer.js";
import { Rng } from "../../src/engine/prng.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
let ds: Dataset;
const models: Record<string, Model> = {};

beforeAll(async () => {
  const r = await synth({ users: 300, items: 250, interactions: 6000, seed: 21, outDir: join(tmp.dir, "d"), minPerUser: 5 });
  ds = await importDataset(r.interactionsPath, { itemsPath: r.itemsPath });
  for (const recipe of ["popularity", "ease"]) models[recipe] = await train(ds, { recipe, seed: 3 });
  models.ials = await train(ds, { recipe: "ials", seed: 3, ials: { factors: 32, epochs: 4 } });
  // k = 24 is not a multiple of 16: the JavaScript loop serves it, batch and single alike.
  models["ials-js"] = await train(ds, { recipe: "ials", seed: 3, ials: { factors: 24, epochs: 4 } });
});
afterAll(() => tmp.cleanup());

describe.each(["popularity", "ease", "ials", "ials-js"])("recommendBatch, %s", (name) => {
  it("answers every user exactly as recommend() does, in order, across batch-pass boundaries", () => {
    const m = models[name];
    m.foldIn("folded-new", [{ itemId: ds.items.ids[4], weight: 2 }, { itemId: ds.items.ids[9] }]);
    m.foldIn(ds.users.ids[5], [{ itemId: ds.items.ids[11] }]);
    // More users than one pass holds, unknown users mixed in, and a duplicate.
    const users = [...ds.users.ids.slice(0, BATCH_USERS * 2 + 7), "nobody", "folded-new", ds.users.ids[3]];
    for (const opts of [{}, { excludeSeen: false }, { exclude: [ds.items.ids[0], ds.items.ids[1], "ghost"] }]) {
      const batch = m.recommendBatch(users, 12, opts);
      expect(batch).toHaveLength(users.length);
      users.forEach((u, j) => {
        const single = m.recommend(u, 12, opts);
        expect(batch[j]).toEqual(single);
        expect(batch[j].fallback).toBe(single.fallback);
      });
    }
    expect(m.recommendBatch([], 5)).toEqual([]);
  });
});

describe("batch SIMD kernel", () => {
  it("gives bit-identical scores to the single-user kernel, for ragged user counts and item counts", () => {
    const rng = new Rng(8);
    for (const [n, k, users] of [[1, 16, 1], [37, 32, 5], [1000, 64, BATCH_USERS], [333, 128, 3]]) {
      const Y = Float32Array.from({ length: n * k }, () => rng.next() * 2 - 1);
      const X = Float32Array.from({ length: users * k }, () => rng.next() * 2 - 1);
      const scorer = DotScorer.create(Y, k)!;
      const { scores, stride } = scorer.scoreBatch(X, users);
      const batch = Array.from({ length: users }, (_, u) => scores.slice(u * stride, u * stride + n));
      for (let u = 0; u < users; u++) {
        const single = scorer.score(X.subarray(u * k, u * k + k));
        expect(Array.from(batch[u])).toEqual(Array.from(single));
        let want = 0;
        for (let f = 0; f < k; f++) want += Y[f] * X[u * k + f];
        expect(Math.abs(single[0] - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      }
    }
  });
});
