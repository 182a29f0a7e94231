/**
 * iALS's trained half: a matrix-factorisation model (../matrix-factorization.ts) whose new histories
 * are folded in by an exact solve against the fixed item factors.
 */
import { MatrixFactorizationModel } from "../matrix-factorization.js";
import type { IalsParams } from "./train.js";
import type { UserHistory } from "../../recipe.js";
import type { ModelData } from "../../model-data.js";

export class IalsModel extends MatrixFactorizationModel {
  private readonly itemGram: Float64Array;
  constructor(data: ModelData) {
    super(data);
    this.itemGram = data.arrays.itemGram as Float64Array;
  }
  foldIn(h: UserHistory): Float32Array {
    return ialsFoldIn(h.items, h.weights, this.itemFactors, this.itemGram, this.k, this.nItems, this.data.params as unknown as IalsParams);
  }
}

/**
 * Exact solve of one user's vector against fixed item factors (fold-in).
 * Exact (Cholesky) rather than CG because there is no warm start and k³ for a
 * single user is microseconds.
 */
export function ialsFoldIn(
  items: Int32Array,
  weights: Float32Array,
  V: Float32Array,
  G: Float64Array,
  k: number,
  nItems: number,
  params: IalsParams,
): Float32Array {
  const A = new Float64Array(k * k);
  const b = new Float64Array(k);
  const alpha0 = params.unobservedWeight;
  const lam = params.regularization * (items.length + alpha0 * nItems);
  for (let j = 0; j < k * k; j++) A[j] = alpha0 * G[j];
  for (let f = 0; f < k; f++) A[f * k + f] += lam;
  for (let e = 0; e < items.length; e++) {
    const c = 1 + params.alpha * Math.log(Math.max(1, weights[e]));
    const o = items[e] * k;
    for (let f = 0; f < k; f++) {
      const yf = V[o + f];
      b[f] += c * yf;
      const cy = c * yf;
      for (let g = 0; g < k; g++) A[f * k + g] += cy * V[o + g];
    }
  }
  // Cholesky A = L Lᵀ in place (lower triangle), then two triangular solves.
  for (let j = 0; j < k; j++) {
    let s = A[j * k + j];
    for (let p = 0; p < j; p++) s -= A[j * k + p] * A[j * k + p];
    const d = Math.sqrt(Math.max(s, 1e-12));
    A[j * k + j] = d;
    for (let i = j + 1; i < k; i++) {
      let t = A[i * k + j];
      for (let p = 0; p < j; p++) t -= A[i * k + p] * A[j * k + p];
      A[i * k + j] = t / d;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= A[i * k + p] * y[p];
    y[i] = s / A[i * k + i];
  }
  const x = new Float32Array(k);
  const xd = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < k; p++) s -= A[p * k + i] * xd[p];
    xd[i] = s / A[i * k + i];
    x[i] = xd[i];
  }
  return x;
}
