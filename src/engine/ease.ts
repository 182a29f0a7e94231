/**
 * EASE (Steck 2019): a closed-form item-item model,
 *   P = (XᵀX + λI)⁻¹,  B = I − P·diag(1/diag(P))  (so diag(B) = 0).
 * Very strong on small/medium catalogues, but the dense n×n inverse is O(n³)
 * time and O(n²) memory, so it is refused above a configurable item limit.
 */
import { availableParallelism } from "node:os";
import { transpose, type Dataset, type ProgressCallback } from "./dataset.js";
import { TrainKernels, splitInTwo } from "./wasm/train-kernels.js";

export interface EaseParams {
  /** L2 on the item-item weights. Steck uses a few hundred on ML-20M-sized data. */
  lambda: number;
  /** Refuse catalogues larger than this (n³ work, 8·n² bytes during training). */
  maxItems: number;
}

export const DEFAULT_EASE: EaseParams = { lambda: 200, maxItems: 5000 };

export class EaseTooLargeError extends Error {
  constructor(readonly items: number, readonly maxItems: number) {
    super(
      `EASE needs a dense ${items}×${items} inverse (O(n³) time, ${((8 * items * items) / 2 ** 20).toFixed(0)} MiB) ` +
        `and is limited to ${maxItems} items; use recipe "ials" (or raise ease.maxItems if you accept the cost)`,
    );
    this.name = "EaseTooLargeError";
  }
}

/** In-place inverse of a symmetric positive-definite n×n matrix (Gauss-Jordan, no pivoting needed for SPD). */
export function invertSpd(A: Float64Array, n: number, onRow?: (k: number) => void): void {
  for (let k = 0; k < n; k++) {
    const ko = k * n;
    const piv = A[ko + k];
    if (!(piv > 0)) throw new Error(`matrix is not positive definite at pivot ${k}`);
    const inv = 1 / piv;
    A[ko + k] = 1;
    for (let j = 0; j < n; j++) A[ko + j] *= inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const io = i * n;
      const f = A[io + k];
      if (f === 0) continue;
      A[io + k] = 0;
      for (let j = 0; j < n; j++) A[io + j] -= f * A[ko + j];
    }
    if (onRow && (k & 63) === 0) onRow(k);
  }
}

export interface EaseTrainOptions {
  /** Threads for the inverse (default: min(2, cores)); 1 = the calling thread only. */
  threads?: number;
  onProgress?: ProgressCallback;
}

/** Below this many items a second thread costs more to start than it saves. */
const PARALLEL_MIN_ITEMS = 400;
/**
 * Rows of L⁻¹ and P per pass over the matrix: the other rows are read from memory once per block
 * (at 5,000 items the matrix is 200 MB, far beyond the caches) while the block's rows stay cached.
 */
const CACHE_BLOCK = 32;
/** Rows per Cholesky panel (even, so column pairs line up however the panel is split). */
const CHOL_PANEL = 64;

/**
 * Returns B as a dense row-major Float32Array (n×n). Binary X: repeat events do not add weight.
 * The inverse runs in the SIMD kernels of wasm/train.wat (Cholesky, then L⁻¹, then L⁻ᵀL⁻¹),
 * each phase split over two threads; where WebAssembly is unavailable, Gauss-Jordan in
 * JavaScript. Same data and λ give the same bytes whatever the thread count.
 */
export async function trainEase(ds: Dataset, params: EaseParams, opts: EaseTrainOptions = {}): Promise<Float32Array> {
  const n = ds.items.size;
  if (n > params.maxItems) throw new EaseTooLargeError(n, params.maxItems);
  const B = await inverseSpd(n, (A, s) => addGram(ds, A, s, params.lambda, opts.onProgress), opts, (P, s, diag) => {
    // P is symmetric: P[i][j] for i > j sits at [i·s + j]; B = I − P·diag(1/diag P).
    const out = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = P[i * s + j];
        out[i * n + j] = -v / diag[j];
        out[j * n + i] = -v / diag[i];
      }
    }
    return out;
  });
  return B ?? trainEaseJs(ds, params, opts.onProgress);
}

/**
 * The inverse P of a symmetric positive-definite n×n matrix with the SIMD kernels of
 * wasm/train.wat: `fill` writes the matrix's lower triangle with its diagonal (row stride s),
 * `read` gets P's strict lower triangle (the same layout) and its diagonal and returns what the
 * caller keeps; both views die after it. Undefined where WebAssembly is unavailable.
 */
export async function inverseSpd<T>(
  n: number,
  fill: (A: Float64Array, s: number) => void,
  opts: EaseTrainOptions,
  read: (P: Float64Array, s: number, diag: Float64Array) => T,
): Promise<T | undefined> {
  const s = n + (n & 1); // even stride: every row starts 16-byte aligned
  const matrixBytes = n * s * 8;
  const kernels = TrainKernels.create(matrixBytes + 16 * n);
  if (!kernels) return undefined;
  try {
    fill(new Float64Array(kernels.buffer, 0, n * s), s);
    const dl = matrixBytes;
    const pd = matrixBytes + 8 * n;
    const progress = (done: number) => opts.onProgress?.({ phase: "ease-invert", done: Math.round(done), total: n });
    const threads = n < PARALLEL_MIN_ITEMS ? 1 : Math.max(1, opts.threads ?? Math.min(2, availableParallelism()));
    // Cholesky by panels of rows: a panel's columns left of it depend only on finished rows, so
    // threads split its rows; its own triangle is then done on this thread.
    for (let i0 = 0; i0 < n; i0 += CHOL_PANEL) {
      progress(i0 / 3);
      const i1 = Math.min(n, i0 + CHOL_PANEL);
      const mid = (i0 + i1) >> 1;
      const rows = threads > 1 && i0 >= CHOL_PANEL * 4 ? [[i0, mid], [mid, i1]] : [[i0, i1]];
      await kernels.parallel(rows.map(([a, b]) => [["chol_panel", 0, s, a, b, dl, i0]]));
      const failed = kernels.run([["chol", 0, s, i0, i1, dl, i0, n + 1]]);
      if (failed) throw new Error(`matrix is not positive definite at pivot ${failed - 1}`);
    }
    // Column c of L⁻¹ and row r of P both cost ~(n − c)²: the early ones are the dear ones.
    const mid = splitInTwo(n, (c) => (n - c) * (n - c));
    progress(n / 3);
    const ranges = threads > 1 ? [[mid, n], [0, mid]] : [[0, n]];
    await kernels.parallel(ranges.map(([a, b]) => [["inv_l", 0, s, n, dl, a, b, CACHE_BLOCK]]));
    progress((2 * n) / 3);
    await kernels.parallel(ranges.map(([a, b]) => [["gram_inv", 0, s, n, pd, a, b, CACHE_BLOCK]]));
    progress(n);
    return read(new Float64Array(kernels.buffer, 0, n * s), s, new Float64Array(kernels.buffer, pd, n));
  } finally {
    await kernels.close();
  }
}

/**
 * Adds XᵀX + λI into the lower triangle (with the diagonal) of A (stride s): row i counts, for
 * every user of item i, that user's items j ≤ i. Going item by item keeps the writes in one row
 * of A (in cache) instead of scattered over the whole matrix.
 */
function addGram(ds: Dataset, A: Float64Array, s: number, lambda: number, onProgress?: ProgressCallback): void {
  const nI = ds.items.size;
  const byItem = transpose(ds.users.size, nI, ds.indptr, ds.indices, ds.weights);
  for (let i = 0; i < nI; i++) {
    const io = i * s;
    for (let e = byItem.indptr[i]; e < byItem.indptr[i + 1]; e++) {
      const u = byItem.indices[e];
      const end = ds.indptr[u + 1];
      for (let q = ds.indptr[u]; q < end; q++) {
        const j = ds.indices[q];
        if (j <= i) A[io + j] += 1;
      }
    }
    A[io + i] += lambda;
    if ((i & 255) === 0) onProgress?.({ phase: "ease-gram", done: i, total: nI });
  }
}

/** The JavaScript path (no WebAssembly): full Gram matrix and a Gauss-Jordan inverse. */
function trainEaseJs(ds: Dataset, params: EaseParams, onProgress?: ProgressCallback): Float32Array {
  const n = ds.items.size;
  const G = new Float64Array(n * n);
  addGram(ds, G, n, params.lambda, onProgress);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[j * n + i] = G[i * n + j];
  invertSpd(G, n, (k) => onProgress?.({ phase: "ease-invert", done: k, total: n }));
  onProgress?.({ phase: "ease-invert", done: n, total: n });
  const B = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) B[i * n + j] = i === j ? 0 : -G[i * n + j] / G[j * n + j];
  }
  return B;
}
