/**
 * EASE (Steck 2019): a closed-form item-item model,
 *   P = (XᵀX + λI)⁻¹,  B = I − P·diag(1/diag(P))  (so diag(B) = 0).
 * Very strong on small/medium catalogues, but the dense n×n inverse is O(n³)
 * time and O(n²) memory, so it is refused above a configurable item limit.
 */
import { transpose, type Dataset, type ProgressCallback } from "../../dataset.js";
import { inverseSpd, invertSpd, type InverseOptions } from "./kernel.js";

export interface EaseParams {
  /** L2 on the item-item weights. Steck uses a few hundred on ML-20M-sized data. */
  lambda: number;
  /** Refuse catalogues larger than this (n³ work, 8·n² bytes during training). */
  maxItems: number;
}

export const DEFAULT_EASE: EaseParams = { lambda: 200, maxItems: 5000 };

export class EaseTooLargeError extends Error {
  constructor(
    readonly items: number,
    readonly maxItems: number,
  ) {
    super(
      `EASE needs a dense ${items}×${items} inverse (O(n³) time, ${((8 * items * items) / 2 ** 20).toFixed(0)} MiB) ` +
        `and is limited to ${maxItems} items; use recipe "ials" (or raise ease.maxItems if you accept the cost)`,
    );
    this.name = "EaseTooLargeError";
  }
}

/**
 * Returns B as a dense row-major Float32Array (n×n). Binary X: repeat events do not add weight.
 * The inverse runs in the SIMD kernels of wasm/train.wat (Cholesky, then L⁻¹, then L⁻ᵀL⁻¹),
 * each phase split over two threads; where WebAssembly is unavailable, Gauss-Jordan in
 * JavaScript. Same data and λ give the same bytes whatever the thread count.
 */
export async function trainEase(ds: Dataset, params: EaseParams, opts: InverseOptions = {}): Promise<Float32Array> {
  const n = ds.items.size;
  if (n > params.maxItems) throw new EaseTooLargeError(n, params.maxItems);
  const B = await inverseSpd(
    n,
    (A, s) => addGram(ds, A, s, params.lambda, opts.onProgress),
    opts,
    (P, s, diag) => {
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
    },
  );
  return B ?? trainEaseJs(ds, params, opts.onProgress);
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
