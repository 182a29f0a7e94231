/**
 * Offline evaluation with the protocol used by Microsoft Recommenders' MovieLens benchmarks: each
 * recipe trained on a seeded per-user random 75/25 split (split.ts) and ranked against the held-out
 * part (metrics.ts), optionally tuned first on the training part alone (tune.ts).
 */
import type { Dataset, ProgressCallback } from "./dataset.js";
import { train, resolveRecipe, type TrainOptions, type RecipeChoice } from "./train.js";
import { tune, tuneCandidates, type TuneResult } from "./tune.js";
import { splitDataset } from "./split.js";
import { scoreModel, type RankingMetrics } from "./metrics.js";

export interface EvalRow extends RankingMetrics {
  /** Label given in the recipe spec, or the recipe name. */
  name: string;
  /** Concrete recipe that was trained ("auto" resolved). */
  recipe: string;
  trainMs: number;
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
    if (recipes.length > 0)
      search = await tune(split.train, {
        recipes,
        seed,
        budgetSeconds: opts.tuneBudgetSeconds,
        threads: opts.threads,
        onProgress: opts.onProgress,
      });
    const model = await train(split.train, { seed, threads: opts.threads, ...spec, onProgress: opts.onProgress });
    const m = scoreModel(model, split, k);
    rows.push({
      name: spec.name,
      recipe: resolveRecipe(split.train, spec),
      ...m,
      trainMs: model.trainingMs,
      ...(search && { validationNdcg: search.defaultNdcg }),
    });
    if (search) {
      const tuned = await train(split.train, {
        seed,
        threads: opts.threads,
        recipe: search.recipe,
        params: { [search.recipe]: search.params },
      });
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
