/**
 * The inverse of a symmetric positive-definite matrix, EASE's one expensive step: in the SIMD
 * kernels of wasm/train.wat on a shared memory (Cholesky, then L⁻¹, then L⁻ᵀL⁻¹, each phase split
 * over two threads), and in JavaScript (Gauss-Jordan) where WebAssembly is unavailable.
 */
import { availableParallelism } from "node:os";
import type { ProgressCallback } from "../../dataset.js";
import { TrainKernels, splitInTwo } from "../../wasm/train-kernels.js";

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

export interface InverseOptions {
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
 * The inverse P of a symmetric positive-definite n×n matrix with the SIMD kernels of
 * wasm/train.wat: `fill` writes the matrix's lower triangle with its diagonal (row stride s),
 * `read` gets P's strict lower triangle (the same layout) and its diagonal and returns what the
 * caller keeps; both views die after it. Undefined where WebAssembly is unavailable.
 */
export async function inverseSpd<T>(
  n: number,
  fill: (A: Float64Array, s: number) => void,
  opts: InverseOptions,
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
      const rows =
        threads > 1 && i0 >= CHOL_PANEL * 4
          ? [
              [i0, mid],
              [mid, i1],
            ]
          : [[i0, i1]];
      await kernels.parallel(rows.map(([a, b]) => [["chol_panel", 0, s, a, b, dl, i0]]));
      const failed = kernels.run([["chol", 0, s, i0, i1, dl, i0, n + 1]]);
      if (failed) throw new Error(`matrix is not positive definite at pivot ${failed - 1}`);
    }
    // Column c of L⁻¹ and row r of P both cost ~(n − c)²: the early ones are the dear ones.
    const mid = splitInTwo(n, (c) => (n - c) * (n - c));
    progress(n / 3);
    const ranges =
      threads > 1
        ? [
            [mid, n],
            [0, mid],
          ]
        : [[0, n]];
    await kernels.parallel(ranges.map(([a, b]) => [["inv_l", 0, s, n, dl, a, b, CACHE_BLOCK]]));
    progress((2 * n) / 3);
    await kernels.parallel(ranges.map(([a, b]) => [["gram_inv", 0, s, n, pd, a, b, CACHE_BLOCK]]));
    progress(n);
    return read(new Float64Array(kernels.buffer, 0, n * s), s, new Float64Array(kernels.buffer, pd, n));
  } finally {
    await kernels.close();
  }
}
