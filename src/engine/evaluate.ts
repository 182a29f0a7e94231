/**
 * Offline evaluation with the protocol used by Microsoft Recommenders'
 * MovieLens benchmarks: a seeded per-user random 75/25 split, rank every item
 * the user did not interact with in training, binary relevance @k.
 */
import { Rng } from "./prng.js";
import type { Dataset, ProgressCallback } from "./dataset.js";
import { train, resolveRecipe, type TrainOptions, type RecipeChoice } from "./train.js";
import { tune, tuneCandidates, type TuneResult } from "./tune.js";

export interface Split {
  train: Dataset;
  /** Held-out items per user (CSR over the same user/item indices as train). */
  testIndptr: Int32Array;
  testIndices: Int32Array;
}

/**
 * Per-user random split. Users with fewer than 2 interactions stay entirely in
 * train (they cannot be both trained on and tested). Id maps are shared with the
 * input so indices line up between train and test.
 */
export function splitDataset(ds: Dataset, seed: number, testFraction = 0.25): Split {
  const rng = new Rng(seed);
  const nU = ds.users.size;
  const trIndptr = new Int32Array(nU + 1);
  const teIndptr = new Int32Array(nU + 1);
  const trI: number[] = [];
  const trW: number[] = [];
  const teI: number[] = [];
  for (let u = 0; u < nU; u++) {
    const a = ds.indptr[u];
    const b = ds.indptr[u + 1];
    const n = b - a;
    const nTest = n >= 2 ? Math.min(n - 1, Math.max(1, Math.round(n * testFraction))) : 0;
    const perm = new Int32Array(n);
    for (let j = 0; j < n; j++) perm[j] = a + j;
    rng.shuffle(perm);
    const test = perm.subarray(0, nTest).slice().sort();
    const keep = perm.subarray(nTest).slice().sort();
    for (const e of keep) {
      trI.push(ds.indices[e]);
      trW.push(ds.weights[e]);
    }
    for (const e of test) teI.push(ds.indices[e]);
    trIndptr[u + 1] = trI.length;
    teIndptr[u + 1] = teI.length;
  }
  const train: Dataset = {
    users: ds.users,
    items: ds.items,
    indptr: trIndptr,
    indices: Int32Array.from(trI),
    weights: Float32Array.from(trW),
    metadata: ds.metadata,
    stats: { ...ds.stats, pairs: trI.length },
  };
  return { train, testIndptr: teIndptr, testIndices: Int32Array.from(teI) };
}

export interface EvalRow {
  /** Label given in the recipe spec, or the recipe name. */
  name: string;
  /** Concrete recipe that was trained ("auto" resolved). */
  recipe: string;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  /** Share of the catalogue that appears in at least one user's top-k. */
  coverage: number;
  trainMs: number;
  users: number;
  /** With tuning: NDCG@10 on the validation split carved out of the training part (never the test part). */
  validationNdcg?: number;
  /** With tuning, on the tuned row: the seconds the search took. */
  tuneSeconds?: number;
  /** With tuning, on the tuned row: the chosen hyper-parameters. */
  params?: Record<string, unknown>;
}

export type EvalRecipe = string | (TrainOptions & { name?: string });

export interface EvaluateOptions {
  recipes?: EvalRecipe[];
  seed?: number;
  k?: number;
  testFraction?: number;
  threads?: number;
  /**
   * Also tune each personalised recipe on the training part (its own validation split) and add a
   * "(tuned)" row after its untuned one; both rows show their validation NDCG@10.
   */
  tune?: boolean;
  tuneBudgetSeconds?: number;
  onProgress?: ProgressCallback;
}

export async function evaluate(ds: Dataset, opts: EvaluateOptions = {}): Promise<EvalRow[]> {
  const seed = opts.seed ?? 42;
  const k = opts.k ?? 10;
  const split = splitDataset(ds, seed, opts.testFraction ?? 0.25);
  const specs = (opts.recipes ?? ["popularity", "auto"]).map((r) =>
    typeof r === "string" ? { name: r, recipe: r as TrainOptions["recipe"] } : { ...r, name: r.name ?? String(r.recipe ?? "auto") },
  );
  const rows: EvalRow[] = [];
  for (const spec of specs) {
    const recipes = opts.tune ? tuneCandidates(split.train, (spec.recipe ?? "auto") as RecipeChoice) : [];
    let search: TuneResult | undefined;
    if (recipes.length > 0) search = await tune(split.train, { recipes, seed, budgetSeconds: opts.tuneBudgetSeconds, threads: opts.threads, onProgress: opts.onProgress });
    const model = await train(split.train, { seed, threads: opts.threads, ...spec, onProgress: opts.onProgress });
    const m = scoreModel(model, split, k);
    rows.push({ name: spec.name, recipe: resolveRecipe(split.train, spec), ...m, trainMs: model.trainingMs, ...(search && { validationNdcg: search.defaultNdcg }) });
    if (search) {
      const tuned = await train(split.train, { seed, threads: opts.threads, recipe: search.recipe, params: { [search.recipe]: search.params } });
      rows.push({
        name: `${spec.name} (tuned)`,
        recipe: search.recipe,
        ...scoreModel(tuned, split, k),
        trainMs: tuned.trainingMs,
        validationNdcg: search.bestNdcg,
        tuneSeconds: search.seconds,
        params: search.params,
      });
    }
  }
  return rows;
}

/** Precision/Recall/NDCG/MAP@k and coverage@k of a trained model against a split's test set. */
export function scoreModel(
  model: { recommendIndex(u: number, n: number, excludeSeen?: boolean): Int32Array; nItems: number },
  split: Split,
  k: number,
): Omit<EvalRow, "name" | "recipe" | "trainMs"> {
  const { testIndptr, testIndices } = split;
  const nU = testIndptr.length - 1;
  const covered = new Uint8Array(model.nItems);
  const rel = new Uint8Array(model.nItems);
  let users = 0,
    sp = 0,
    sr = 0,
    sn = 0,
    sm = 0;
  for (let u = 0; u < nU; u++) {
    const a = testIndptr[u];
    const b = testIndptr[u + 1];
    if (a === b) continue;
    users++;
    for (let e = a; e < b; e++) rel[testIndices[e]] = 1;
    const rec = model.recommendIndex(u, k, true);
    let hits = 0,
      dcg = 0,
      ap = 0;
    for (let r = 0; r < rec.length; r++) {
      covered[rec[r]] = 1;
      if (rel[rec[r]]) {
        hits++;
        dcg += 1 / Math.log2(r + 2);
        ap += hits / (r + 1);
      }
    }
    const nRel = b - a;
    let idcg = 0;
    for (let r = 0; r < Math.min(k, nRel); r++) idcg += 1 / Math.log2(r + 2);
    sp += hits / k;
    sr += hits / nRel;
    sn += dcg / idcg;
    sm += ap / Math.min(k, nRel);
    for (let e = a; e < b; e++) rel[testIndices[e]] = 0;
  }
  let cov = 0;
  for (const c of covered) cov += c;
  const d = Math.max(1, users);
  return { precision: sp / d, recall: sr / d, ndcg: sn / d, map: sm / d, coverage: cov / Math.max(1, model.nItems), users };
}

/** Plain-text side-by-side table of evaluation rows. */
export function formatEvalTable(rows: EvalRow[], k = 10): string {
  const tuned = rows.some((r) => r.validationNdcg !== undefined);
  const head = ["recipe", `P@${k}`, `R@${k}`, `NDCG@${k}`, `MAP@${k}`, `Cov@${k}`, "train s", ...(tuned ? ["val NDCG@10", "tune s"] : [])];
  const body = rows.map((r) => [
    r.name === r.recipe || r.name === `${r.recipe} (tuned)` ? r.name : `${r.name} (${r.recipe})`,
    r.precision.toFixed(4),
    r.recall.toFixed(4),
    r.ndcg.toFixed(4),
    r.map.toFixed(4),
    r.coverage.toFixed(4),
    (r.trainMs / 1000).toFixed(2),
    ...(tuned ? [r.validationNdcg?.toFixed(4) ?? "", r.tuneSeconds?.toFixed(1) ?? ""] : []),
  ]);
  const w = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join("  ");
  return [line(head), line(w.map((n) => "-".repeat(n))), ...body.map(line)].join("\n");
}
