/**
 * Ranking metrics of a trained model against a split's held-out items (split.ts): rank every item
 * the user did not interact with in training, binary relevance @k.
 */
import type { Split } from "./split.js";

/** Precision, recall, NDCG and MAP @k averaged over the users with held-out items, and coverage @k. */
export interface RankingMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  /** Share of the catalogue that appears in at least one user's top-k. */
  coverage: number;
  /** Users with held-out items (the ones averaged over). */
  users: number;
}

/** Precision/Recall/NDCG/MAP@k and coverage@k of a trained model against a split's test set. */
export function scoreModel(
  model: { recommendIndex(u: number, n: number, excludeSeen?: boolean): Int32Array; nItems: number },
  split: Split,
  k: number,
): RankingMetrics {
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
