import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  DEFAULT_IALS,
  importDataset,
  serializeModel,
  synth,
  train,
  tune,
  tuningFits,
  type Dataset,
  type TuneResult,
} from "../../src/engine/index.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
let ds: Dataset;

beforeAll(async () => {
  const r = await synth({ users: 250, items: 100, interactions: 5000, seed: 13, outDir: join(tmp.dir, "d"), minPerUser: 8 });
  ds = await importDataset(r.interactionsPath);
});
afterAll(() => tmp.cleanup());

/** Everything but the measured wall times, which are the only thing allowed to differ. */
const decisions = (r: TuneResult) => ({
  ...r,
  seconds: undefined,
  trials: r.trials.map((t) => ({ ...t, seconds: undefined })),
});

describe("tuning", () => {
  it("is deterministic for a seed: same trials, same scores, same winner, same model bytes", { timeout: 180_000 }, async () => {
    const opts = { recipes: ["ials", "ease"], seed: 4, budgetSeconds: 600, wallLimitSeconds: Infinity, maxTrials: 6, threads: 1 };
    const a = await tune(ds, opts);
    const b = await tune(ds, opts);
    expect(a.stoppedEarly).toBe(false);
    expect(a.trials).toHaveLength(6);
    expect(decisions(b)).toEqual(decisions(a));
    const model = (r: TuneResult) => train(ds, { recipe: r.recipe, params: { [r.recipe]: r.params }, seed: 4, threads: 1 });
    expect(serializeModel(await model(a)).equals(serializeModel(await model(b)))).toBe(true);
    // Another seed draws another validation split and other candidates.
    const c = await tune(ds, { ...opts, seed: 5 });
    expect(c.trials.map((t) => t.params)).not.toEqual(a.trials.map((t) => t.params));
  });

  it("never picks a configuration that scores worse on validation than the untuned default", { timeout: 180_000 }, async () => {
    for (const seed of [1, 2]) {
      const r = await tune(ds, { recipes: ["ials"], seed, budgetSeconds: 600, wallLimitSeconds: Infinity, maxTrials: 4, threads: 1 });
      expect(r.trials[0].params).toEqual({ ...DEFAULT_IALS });
      expect(r.defaultNdcg).toBe(r.trials[0].ndcg);
      expect(r.bestNdcg).toBeGreaterThanOrEqual(r.defaultNdcg);
      expect(r.trials[r.winner].ndcg).toBe(Math.max(...r.trials.map((t) => t.ndcg)));
      expect(r.params).toEqual(r.trials[r.winner].params);
      // Trials really differ (it searched), and every score is a real NDCG.
      expect(new Set(r.trials.map((t) => JSON.stringify(t.params))).size).toBe(r.trials.length);
      for (const t of r.trials) expect(t.ndcg).toBeGreaterThan(0);
    }
  });

  it("plans within the budget by cost estimates: a budget smaller than one trial runs the default only", { timeout: 120_000 }, async () => {
    const r = await tune(ds, { recipes: ["ials", "ease"], seed: 1, budgetSeconds: 0.001, threads: 1 });
    expect(r.trials).toHaveLength(1);
    expect(r.winner).toBe(0);
    expect(tuningFits(ds, ["ials"], 0.001)).toBe(false);
    expect(tuningFits(ds, ["ials"], 600)).toBe(true);
    const planned = (await tune(ds, { recipes: ["ials"], seed: 1, budgetSeconds: 2, threads: 1 })).trials;
    const reserve = planned[0].estimatedSeconds / 0.8; // the final retrain on all data
    expect(planned.reduce((s, t) => s + t.estimatedSeconds, 0) + reserve).toBeLessThanOrEqual(2 + planned[0].estimatedSeconds);
  });
});
