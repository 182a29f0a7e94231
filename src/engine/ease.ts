/**
 * EASE (Steck 2019): a closed-form item-item model,
 *   P = (XᵀX + λI)⁻¹,  B = I − P·diag(1/diag(P))  (so diag(B) = 0).
 * Very strong on small/medium catalogues, but the dense n×n inverse is O(n³)
 * time and O(n²) memory, so it is refused above a configurable item limit.
 */
import type { Dataset, ProgressCallback } from "./dataset.js";

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

/** Returns B as a dense row-major Float32Array (n×n). Binary X: repeat events do not add weight. */
export function trainEase(ds: Dataset, params: EaseParams, onProgress?: ProgressCallback): Float32Array {
  const n = ds.items.size;
  if (n > params.maxItems) throw new EaseTooLargeError(n, params.maxItems);
  const G = new Float64Array(n * n);
  const nU = ds.users.size;
  for (let u = 0; u < nU; u++) {
    const a = ds.indptr[u];
    const b = ds.indptr[u + 1];
    for (let p = a; p < b; p++) {
      const io = ds.indices[p] * n;
      for (let q = a; q < b; q++) G[io + ds.indices[q]] += 1;
    }
    if ((u & 1023) === 0) onProgress?.({ phase: "ease-gram", done: u, total: nU });
  }
  for (let i = 0; i < n; i++) G[i * n + i] += params.lambda;
  invertSpd(G, n, (k) => onProgress?.({ phase: "ease-invert", done: k, total: n }));
  onProgress?.({ phase: "ease-invert", done: n, total: n });
  const B = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) B[i * n + j] = i === j ? 0 : -G[i * n + j] / G[j * n + j];
  }
  return B;
}
