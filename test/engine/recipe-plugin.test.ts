import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  BaseRecipeModel,
  Model,
  loadModel,
  registerRecipe,
  resolveRecipe,
  saveModel,
  serializeModel,
  synth,
  importDataset,
  train,
  tuneCandidates,
  type ModelData,
  type RecipeDefinition,
  type UserHistory,
} from "../../src/engine/index.js";
import { tempDir } from "./helpers.js";

/**
 * A recipe written entirely in this file: item-item co-occurrence counts ("people who had this
 * also had"), damped by a hyper-parameter. It reaches Model only through registerRecipe.
 */
class CooccurrenceModel extends BaseRecipeModel<Int32Array> {
  private readonly C: Float32Array;
  constructor(data: ModelData) {
    super(data);
    this.C = data.arrays.cooc as Float32Array;
  }
  trainedUser(u: number): Int32Array {
    return this.data.seenIndices.subarray(this.data.seenIndptr[u], this.data.seenIndptr[u + 1]);
  }
  foldIn(h: UserHistory): Int32Array {
    return h.items;
  }
  score(items: Int32Array, scores: Float64Array): void {
    const n = this.nItems;
    scores.fill(0);
    for (const i of items) for (let j = 0; j < n; j++) scores[j] += this.C[i * n + j];
  }
  similar(i: number, scores: Float64Array): void {
    for (let j = 0; j < this.nItems; j++) scores[j] = this.C[i * this.nItems + j];
  }
}

const cooccurrence: RecipeDefinition<{ damping: number }> = {
  name: "test-cooccurrence",
  defaults: { damping: 1 },
  async train(ds, params) {
    const n = ds.items.size;
    const cooc = new Float32Array(n * n);
    for (let u = 0; u < ds.users.size; u++) {
      for (let p = ds.indptr[u]; p < ds.indptr[u + 1]; p++)
        for (let q = ds.indptr[u]; q < ds.indptr[u + 1]; q++) if (p !== q) cooc[ds.indices[p] * n + ds.indices[q]] += 1;
    }
    for (let j = 0; j < cooc.length; j++) cooc[j] = cooc[j] / (cooc[j] + params.damping);
    return { params: { ...params }, arrays: { cooc }, stats: { pairs: ds.indices.length } };
  },
  load: (data) => new CooccurrenceModel(data),
};

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("a recipe added outside the engine", () => {
  it("trains, recommends, folds in, finds similar items and survives save/load without any change to Model", async () => {
    registerRecipe(cooccurrence);
    const r = await synth({ users: 200, items: 80, interactions: 3000, seed: 4, outDir: join(tmp.dir, "d"), minPerUser: 5 });
    const ds = await importDataset(r.interactionsPath);
    const model = await train(ds, { recipe: "test-cooccurrence", seed: 1, params: { "test-cooccurrence": { damping: 2 } } });
    expect(model.recipe).toBe("test-cooccurrence");
    expect(model.data.params).toEqual({ damping: 2 });
    expect(model.data.stats.pairs).toBe(ds.indices.length);

    const u = ds.users.ids[0];
    const recs = model.recommend(u, 10);
    expect(recs.fallback).toBe(false);
    expect(recs).toHaveLength(10);
    for (const x of recs) expect(model.seenItems(u)).not.toContain(x.itemId);
    // Its scores are its own: the top item has the largest damped co-occurrence sum.
    expect(recs[0].score).toBeGreaterThan(recs[9].score);

    const path = join(tmp.dir, "cooc.model");
    await saveModel(model, path);
    const loaded = await loadModel(path);
    expect(loaded.recipe).toBe("test-cooccurrence");
    expect(loaded.recommend(u, 10)).toEqual(recs);
    expect(loaded.similarItems(ds.items.ids[3], 5)).toEqual(model.similarItems(ds.items.ids[3], 5));
    expect(serializeModel(loaded).equals(serializeModel(model))).toBe(true);

    loaded.foldIn("new-user", [{ itemId: ds.items.ids[1] }, { itemId: ds.items.ids[2] }]);
    const fresh = loaded.recommend("new-user", 5);
    expect(fresh.fallback).toBe(false);
    expect(fresh.map((x) => x.itemId)).not.toContain(ds.items.ids[1]);
  });

  it("a model naming a recipe nobody registered is refused clearly when it is built or loaded", async () => {
    const r = await synth({ users: 30, items: 20, interactions: 200, seed: 4, outDir: join(tmp.dir, "e") });
    const trained = await train(await importDataset(r.interactionsPath), { recipe: "popularity" });
    // deserializeModel ends in this constructor, whatever framing the file has around the payload.
    expect(() => new Model({ ...trained.data, recipe: "vanished" })).toThrow(/unknown recipe "vanished"/);
  });

  it("a recipe with an auto rule is what auto picks where its rule holds, asked before the built-in ones", async () => {
    const r = await synth({ users: 60, items: 30, interactions: 600, seed: 5, outDir: join(tmp.dir, "f"), minPerUser: 4 });
    const ds = await importDataset(r.interactionsPath);
    expect(resolveRecipe(ds)).toBe("ease");
    let limit = ds.items.size;
    registerRecipe({ ...cooccurrence, name: "test-auto", auto: { preference: 0, picks: (shape) => shape.items <= limit } });
    registerRecipe({ ...cooccurrence, name: "test-auto-never", auto: { preference: -1, picks: () => true }, canTrain: () => false });
    expect(resolveRecipe(ds)).toBe("test-auto");
    const model = await train(ds, { seed: 1 });
    expect(model.recipe).toBe("test-auto");
    expect(model.data.params).toEqual({ damping: 1 });
    // Nothing to tune: no tuning candidates.
    expect(tuneCandidates(ds, "auto")).toEqual([]);
    // Where its rule does not hold, "auto" goes on to the built-in ones, and tuning compares those.
    limit = ds.items.size - 1;
    expect(resolveRecipe(ds)).toBe("ease");
    expect(tuneCandidates(ds, "auto")).toEqual(["ease", "ials"]);
    expect(resolveRecipe(ds, { autoEaseMaxItems: limit })).toBe("ials");
    expect(tuneCandidates(ds, "ease")).toEqual(["ease"]);
  });

  it("a second, different recipe under a taken name is refused", () => {
    expect(() => registerRecipe({ ...cooccurrence })).toThrow(/already registered/);
  });
});
