/**
 * iALS numeric kernels in JavaScript: the reference for the SIMD kernels in wasm/train.wat
 * (ials_solve, ials_gram), which perform the same float64 operations in the same order and so
 * give the same bits (tested), and the path where WebAssembly is unavailable. Every output value
 * is computed by exactly one call with a fixed operation order, whatever the split of rows over
 * threads, so results do not depend on the thread count.
 */

/**
 * Solve rows [start, end) of X against the fixed factors Y with a few
 * conjugate-gradient steps warm-started from the current X (Takács et al. 2011;
 * the same scheme as implicit's CG solver). Per row the system is
 *   (α0·G + λ_u·I + Σ_obs c·y yᵀ) x = Σ_obs c·y,  λ_u = λ·(n_u + α0·nY)
 * i.e. Rendle et al. 2022's iALS with frequency-scaled regularisation, where G = YᵀY.
 * Cost per CG step is O(k² + n_u·k) instead of O(k³) for a Cholesky.
 */
export function ialsSolveRows(
  start: number,
  end: number,
  indptr: Int32Array,
  indices: Int32Array,
  conf: Float32Array,
  X: Float32Array,
  Y: Float32Array,
  G: Float64Array,
  k: number,
  nY: number,
  alpha0: number,
  lambda: number,
  cgSteps: number,
): void {
  // Loops over the factor dimension are unrolled by 4 with independent
  // accumulators: V8 does not vectorise, and breaking the add dependency chain
  // roughly doubles throughput. k must be a multiple of 4 (checked by the caller).
  const x = new Float64Array(k);
  const r = new Float64Array(k);
  const p = new Float64Array(k);
  const ap = new Float64Array(k);
  const y = new Float64Array(k);
  const aG = new Float64Array(k * k);
  for (let j = 0; j < k * k; j++) aG[j] = alpha0 * G[j];
  for (let row = start; row < end; row++) {
    const a = indptr[row];
    const b = indptr[row + 1];
    const lam = lambda * (b - a + alpha0 * nY);
    const xo = row * k;
    for (let f = 0; f < k; f++) x[f] = X[xo + f];
    // r = b - A x
    for (let f = 0; f < k; f++) {
      const go = f * k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let g = 0; g < k; g += 4) {
        s0 += aG[go + g] * x[g];
        s1 += aG[go + g + 1] * x[g + 1];
        s2 += aG[go + g + 2] * x[g + 2];
        s3 += aG[go + g + 3] * x[g + 3];
      }
      r[f] = -(s0 + s1 + s2 + s3 + lam * x[f]);
    }
    for (let e = a; e < b; e++) {
      const yo = indices[e] * k;
      let d0 = 0,
        d1 = 0,
        d2 = 0,
        d3 = 0;
      for (let f = 0; f < k; f += 4) {
        const y0 = (y[f] = Y[yo + f]);
        const y1 = (y[f + 1] = Y[yo + f + 1]);
        const y2 = (y[f + 2] = Y[yo + f + 2]);
        const y3 = (y[f + 3] = Y[yo + f + 3]);
        d0 += y0 * x[f];
        d1 += y1 * x[f + 1];
        d2 += y2 * x[f + 2];
        d3 += y3 * x[f + 3];
      }
      const coef = conf[e] * (1 - (d0 + d1 + d2 + d3));
      for (let f = 0; f < k; f += 4) {
        r[f] += coef * y[f];
        r[f + 1] += coef * y[f + 1];
        r[f + 2] += coef * y[f + 2];
        r[f + 3] += coef * y[f + 3];
      }
    }
    let rsold = 0;
    for (let f = 0; f < k; f++) {
      p[f] = r[f];
      rsold += r[f] * r[f];
    }
    if (rsold > 1e-20) {
      for (let step = 0; step < cgSteps; step++) {
        // ap = A p
        for (let f = 0; f < k; f++) {
          const go = f * k;
          let s0 = 0,
            s1 = 0,
            s2 = 0,
            s3 = 0;
          for (let g = 0; g < k; g += 4) {
            s0 += aG[go + g] * p[g];
            s1 += aG[go + g + 1] * p[g + 1];
            s2 += aG[go + g + 2] * p[g + 2];
            s3 += aG[go + g + 3] * p[g + 3];
          }
          ap[f] = s0 + s1 + s2 + s3 + lam * p[f];
        }
        for (let e = a; e < b; e++) {
          const yo = indices[e] * k;
          let d0 = 0,
            d1 = 0,
            d2 = 0,
            d3 = 0;
          for (let f = 0; f < k; f += 4) {
            const y0 = (y[f] = Y[yo + f]);
            const y1 = (y[f + 1] = Y[yo + f + 1]);
            const y2 = (y[f + 2] = Y[yo + f + 2]);
            const y3 = (y[f + 3] = Y[yo + f + 3]);
            d0 += y0 * p[f];
            d1 += y1 * p[f + 1];
            d2 += y2 * p[f + 2];
            d3 += y3 * p[f + 3];
          }
          const coef = conf[e] * (d0 + d1 + d2 + d3);
          for (let f = 0; f < k; f += 4) {
            ap[f] += coef * y[f];
            ap[f + 1] += coef * y[f + 1];
            ap[f + 2] += coef * y[f + 2];
            ap[f + 3] += coef * y[f + 3];
          }
        }
        let pap = 0;
        for (let f = 0; f < k; f++) pap += p[f] * ap[f];
        if (!(pap > 0)) break;
        const alpha = rsold / pap;
        let rsnew = 0;
        for (let f = 0; f < k; f++) {
          x[f] += alpha * p[f];
          r[f] -= alpha * ap[f];
          rsnew += r[f] * r[f];
        }
        if (rsnew < 1e-20) break;
        const beta = rsnew / rsold;
        for (let f = 0; f < k; f++) p[f] = r[f] + beta * p[f];
        rsold = rsnew;
      }
    }
    for (let f = 0; f < k; f++) X[xo + f] = x[f];
  }
}

/**
 * Rows [aStart, aEnd) of the upper triangle of G = MᵀM (M is nRows × k).
 * Splitting by output row keeps the summation order independent of the split.
 */
export function gramRows(aStart: number, aEnd: number, M: Float32Array, nRows: number, k: number, G: Float64Array): void {
  const acc = new Float64Array((aEnd - aStart) * k);
  for (let r = 0; r < nRows; r++) {
    const o = r * k;
    for (let a = aStart; a < aEnd; a++) {
      const va = M[o + a];
      if (va === 0) continue;
      const base = (a - aStart) * k;
      for (let b = a; b < k; b++) acc[base + b] += va * M[o + b];
    }
  }
  for (let a = aStart; a < aEnd; a++) {
    for (let b = a; b < k; b++) G[a * k + b] = acc[(a - aStart) * k + b];
  }
}
