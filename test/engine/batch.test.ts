import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { importDataset, synth, train, type Dataset, type Model } from "../../src/engine/index.js";
import { BATCH_USERS } from "../../src/engine/wasm/scorer.js";
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
