/**
 * The held-out split shared by offline evaluation (evaluate.ts) and tuning (tune.ts): a seeded
 * per-user random split, the protocol of Microsoft Recommenders' MovieLens benchmarks.
 */
import { Rng } from "./prng.js";
import type { Dataset } from "./dataset.js";

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

/** Users with at least one held-out item. */
export function heldOutUsers(split: Split): number {
  const indptr = split.testIndptr;
  let n = 0;
  for (let u = 0; u + 1 < indptr.length; u++) if (indptr[u + 1] > indptr[u]) n++;
  return n;
}
