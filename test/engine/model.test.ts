import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  EaseTooLargeError,
  datasetFromEvents,
  evaluate,
  importDataset,
  loadModel,
  saveModel,
  serializeModel,
  deserializeModel,
  synth,
  topN,
  train,
  type Dataset,
  type Model,
  type Recipe,
  Rng,
} from "../../src/engine/index.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
let ds: Dataset;
const models: Partial<Record<Recipe, Model>> = {};

beforeAll(async () => {
  const r = await synth({ users: 600, items: 300, interactions: 15_000, seed: 11, outDir: join(tmp.dir, "d"), minPerUser: 5 });
  ds = await importDataset(r.interactionsPath, { itemsPath: r.itemsPath });
  for (const recipe of ["popularity", "ials", "ease"] as const) models[recipe] = await train(ds, { recipe, seed: 5 });
});
afterAll(() => tmp.cleanup());

describe("topN", () => {
  it("matches a full sort, skips -Infinity, breaks ties by index", () => {
    const s = Float64Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 101) - (i % 13 === 0 ? Infinity : 0));
    const { idx } = topN(s, 25);
    const ref = Array.from(s.keys())
      .filter((i) => s[i] !== -Infinity)
      .sort((a, b) => s[b] - s[a] || a - b)
      .slice(0, 25);
    expect(Array.from(idx)).toEqual(ref);
  });
});

describe.each(["popularity", "ials", "ease"] as const)("%s model", (recipe) => {
  const m = () => models[recipe]!;

  it("falls back to popularity for an unknown user, and says so", () => {
    const r = m().recommend("nobody", 5);
    expect(r.fallback).toBe(true);
    expect(r.map((x) => x.itemId)).toEqual(models.popularity!.recommend("nobody", 5).map((x) => x.itemId));
    expect(m().recommend(ds.users.ids[0], 5).fallback).toBe(false);
  });

  it("excludes seen items by default and can include them", () => {
    for (const u of ds.users.ids.slice(0, 20)) {
      const seen = new Set(m().seenItems(u));
      expect(seen.size).toBeGreaterThan(0);
      const recs = m().recommend(u, 50);
      expect(recs).toHaveLength(50);
      for (const r of recs) expect(seen.has(r.itemId)).toBe(false);
    }
    const u = ds.users.ids[0];
    const all = m().recommend(u, ds.items.size, { excludeSeen: false });
    expect(all.some((r) => m().seenItems(u).includes(r.itemId))).toBe(true);
  });

  it("rank() orders known items by score and puts unknown items last", () => {
    const u = ds.users.ids[3];
    const top = m()
      .recommend(u, 3)
      .map((r) => r.itemId);
    const ranked = m().rank(u, ["ghost-1", top[2], top[0], "ghost-2", top[1]]);
    expect(ranked.map((r) => r.itemId)).toEqual([top[0], top[1], top[2], "ghost-1", "ghost-2"]);
    expect(ranked[3].score).toBeNull();
  });

  it("save/load round trip gives identical recommendations and metadata", async () => {
    const path = join(tmp.dir, `${recipe}.model`);
    await saveModel(m(), path);
    const loaded = await loadModel(path);
    expect(loaded.recipe).toBe(recipe);
    for (const u of [...ds.users.ids.slice(0, 10), "nobody"]) expect(loaded.recommend(u, 10)).toEqual(m().recommend(u, 10));
    expect(loaded.similarItems("i5", 5)).toEqual(m().similarItems("i5", 5));
    expect(loaded.itemMetadata("i5")).toEqual(m().itemMetadata("i5"));
    expect(loaded.itemMetadata("i5")!.GENRES).toBeTruthy();
    expect(serializeModel(loaded).equals(readFileSync(path))).toBe(true);
  });

  it("a loaded model's arrays own their memory (the file buffer is not kept alive), and serving them changes no byte", async () => {
    const path = join(tmp.dir, `${recipe}-owned.model`);
    await saveModel(m(), path);
    const file = readFileSync(path);
    const loaded = deserializeModel(file);
    const arrays = [
      loaded.data.seenIndptr,
      loaded.data.seenIndices,
      loaded.data.seenWeights,
      loaded.data.popularity,
      ...Object.values(loaded.data.arrays),
    ];
    for (const a of arrays) {
      expect(a.buffer).not.toBe(file.buffer);
      expect(a.byteLength).toBe(a.buffer.byteLength);
    }
    // Serving moves EASE's B into the kernel's memory (one copy); the model's bytes and answers stay.
    for (const u of ds.users.ids.slice(0, 10)) expect(loaded.recommend(u, 10)).toEqual(m().recommend(u, 10));
    if (recipe === "ease") expect(loaded.data.arrays.easeB.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(serializeModel(loaded).equals(file)).toBe(true);
  });

  it("foldIn changes that user's next recommendations without retraining", () => {
    const model = m();
    const u = ds.users.ids[7];
    const before = model.recommend(u, 10).map((r) => r.itemId);
    // Feed the user a burst of events on a block of items it has not seen.
    const fresh = model
      .recommend(u, 60)
      .slice(20)
      .map((r) => r.itemId);
    const res = model.foldIn(u, [...fresh.map((itemId) => ({ itemId, weight: 3 })), { itemId: "brand-new-item" }]);
    expect(res).toEqual({ applied: fresh.length, unknownItems: ["brand-new-item"] });
    const after = model.recommend(u, 10).map((r) => r.itemId);
    for (const id of fresh) expect(after).not.toContain(id); // now seen → excluded
    if (recipe === "popularity") {
      // Popularity has no per-user signal: fold-in only changes what is excluded.
      model.foldIn(u, [{ itemId: before[0] }]);
      expect(model.recommend(u, 10).map((r) => r.itemId)).toEqual([...before.slice(1), model.recommend(u, 10)[9].itemId]);
    } else {
      // Items the user never had in its top 10 now reshape its scores.
      expect(after).not.toEqual(before);
    }
    // A brand-new user becomes known immediately.
    model.foldIn("newcomer", [{ itemId: "i1" }, { itemId: "i2" }]);
    const rn = model.recommend("newcomer", 5);
    expect(rn.fallback).toBe(false);
    expect(rn.map((r) => r.itemId)).not.toContain("i1");
  });

  it("similarItems never returns the item itself", () => {
    const s = m().similarItems("i10", 10);
    expect(s).toHaveLength(10);
    expect(s.map((r) => r.itemId)).not.toContain("i10");
    expect(m().similarItems("no-such-item", 3).fallback).toBe(true);
  });
});

describe("determinism", () => {
  it("same seed → same model bytes (iALS, 1 vs 2 threads too); different seed → different", async () => {
    const a = serializeModel(await train(ds, { recipe: "ials", seed: 9, threads: 1, ials: { epochs: 3 } }));
    const b = serializeModel(await train(ds, { recipe: "ials", seed: 9, threads: 2, ials: { epochs: 3 } }));
    const c = serializeModel(await train(ds, { recipe: "ials", seed: 10, threads: 1, ials: { epochs: 3 } }));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    const e1 = serializeModel(await train(ds, { recipe: "ease", seed: 1 }));
    const e2 = serializeModel(await train(ds, { recipe: "ease", seed: 1 }));
    expect(e1.equals(e2)).toBe(true);
  });
});

describe("EASE item limit", () => {
  it("refuses clearly above the limit instead of running for hours", async () => {
    const small = datasetFromEvents(Array.from({ length: 50 }, (_, i) => ({ userId: `u${i % 5}`, itemId: `i${i}` })));
    const err = await train(small, { recipe: "ease", ease: { maxItems: 20 } }).catch((e) => e);
    expect(err).toBeInstanceOf(EaseTooLargeError);
    expect(err.message).toMatch(/50×50.*limited to 20 items.*ials/);
    // auto picks iALS instead of failing
    const m = await train(small, { recipe: "auto", ease: { maxItems: 20 }, ials: { epochs: 2 } });
    expect(m.recipe).toBe("ials");
  });
});

describe("accuracy", () => {
  it("the default recipe clearly beats popularity on NDCG@10 (planted tastes)", async () => {
    const rows = await evaluate(ds, { recipes: ["popularity", "auto"], seed: 2 });
    const [pop, auto] = rows;
    expect(auto.recipe).toBe("ease"); // 300 items → EASE
    expect(auto.ndcg).toBeGreaterThan(pop.ndcg * 1.25);
    expect(auto.precision).toBeGreaterThan(pop.precision);
    expect(auto.coverage).toBeGreaterThan(pop.coverage);
    const ials = (await evaluate(ds, { recipes: ["ials"], seed: 2 }))[0];
    expect(ials.ndcg).toBeGreaterThan(pop.ndcg * 1.25);
  });

  it("training reports progress per epoch", async () => {
    const events: string[] = [];
    await train(ds, { recipe: "ials", ials: { epochs: 3 }, onProgress: (e) => events.push(`${e.phase}:${e.done}/${e.total}`) });
    expect(events).toEqual(["ials:0/3", "ials:1/3", "ials:2/3", "ials:3/3"]);
  });
});

describe("foldIn quality", () => {
  it.each(["ials", "ease"] as const)("%s: a new user's single-genre history yields mostly that genre", (recipe) => {
    const model = models[recipe]!;
    const genreOf = (id: string) => model.itemMetadata(id)!.GENRES.split("|");
    // Pick the genre of a popular item and 8 items that belong only to that genre.
    const g = genreOf(model.recommend("nobody", 1)[0].itemId)[0];
    // The 8 most popular single-genre items of it (what a typical new fan would watch first).
    const pop = models.popularity!.recommend("nobody", ds.items.size).map((r) => r.itemId);
    const history = pop.filter((id) => genreOf(id).join() === g).slice(0, 8);
    expect(history.length).toBe(8);
    model.foldIn(
      `fan-of-${recipe}`,
      history.map((itemId) => ({ itemId })),
    );
    const recs = model.recommend(`fan-of-${recipe}`, 10);
    const inGenre = recs.filter((r) => genreOf(r.itemId).includes(g)).length;
    // A genre holds ~1/18 of the catalogue, so chance level is < 1 of 10; fans of
    // one genre often like others too, so we ask for a clear majority signal only.
    const popInGenre = pop
      .filter((id) => !history.includes(id))
      .slice(0, 10)
      .filter((id) => genreOf(id).includes(g)).length;
    expect(inGenre).toBeGreaterThanOrEqual(4);
    expect(inGenre).toBeGreaterThan(popInGenre + 2);
  });
});

/**
 * Similar items against an independently computed top-k on a small fixed data set: four clusters of
 * eight items, each user drawing from one cluster only, the first cluster the most popular. Any
 * sensible item-item similarity ranks an item's seven cluster mates first; the reference here is
 * the cosine of the item columns of the training matrix, and for the popularity recipe, whose
 * similarity is that cosine, its exact values. Kills the mutant that answers
 * similarItems with the most popular items (they are all in the first cluster).
 */
describe("similar items match an independent top-k", () => {
  const CLUSTERS = 4;
  const PER_CLUSTER = 8;
  const rng = new Rng(42);
  const events: { userId: string; itemId: string }[] = [];
  const usersPerCluster = [60, 40, 25, 15];
  for (let c = 0; c < CLUSTERS; c++)
    for (let u = 0; u < usersPerCluster[c]; u++) {
      const picks = new Set<number>();
      while (picks.size < 4) picks.add(Math.floor(rng.next() * PER_CLUSTER));
      for (const p of picks) events.push({ userId: `c${c}u${u}`, itemId: `c${c}i${p}` });
    }
  const clustered = datasetFromEvents(events);

  // Independent reference: sets of users per item straight from the events, not from the model.
  const usersOf = new Map<string, Set<string>>();
  for (const e of events) usersOf.set(e.itemId, (usersOf.get(e.itemId) ?? new Set()).add(e.userId));
  const itemIds = [...usersOf.keys()];
  const both = (a: string, b: string) => [...usersOf.get(a)!].filter((u) => usersOf.get(b)!.has(u)).length;
  const cosine = (a: string, b: string) => both(a, b) / Math.sqrt(usersOf.get(a)!.size * usersOf.get(b)!.size);
  const referenceTop = (item: string, n: number, sim: (a: string, b: string) => number) =>
    itemIds
      .filter((j) => j !== item)
      .map((j) => ({ j, s: sim(item, j) }))
      .sort((x, y) => y.s - x.s)
      .slice(0, n);

  it.each(["popularity", "ials", "ease"] as const)(
    "%s: an item's most similar items are those the training matrix's cosine ranks first",
    async (recipe) => {
      const model = await train(clustered, { recipe, seed: 3 });
      for (let c = 0; c < CLUSTERS; c++) {
        const item = `c${c}i0`;
        const got = model.similarItems(item, PER_CLUSTER - 1).map((r) => r.itemId);
        const want = referenceTop(item, PER_CLUSTER - 1, cosine).map((r) => r.j);
        // The reference itself is the cluster: nothing outside it shares a user.
        expect(want.every((j) => j.startsWith(`c${c}i`))).toBe(true);
        expect(new Set(got)).toEqual(new Set(want));
      }
    },
  );

  it("popularity: similarity scores are the cosines of co-occurrence, in their order", async () => {
    const model = await train(clustered, { recipe: "popularity", seed: 3 });
    for (const item of ["c0i3", "c2i5", "c3i1"]) {
      const got = model.similarItems(item, 5).map((r) => r.score ?? Number.NaN);
      const want = referenceTop(item, 5, cosine).map((r) => r.s);
      for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k], 12);
    }
  });
});
