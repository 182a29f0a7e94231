import { describe, expect, it } from "vitest";
import { inverseSpd, invertSpd, Rng } from "../../src/engine/index.js";

/** A random symmetric positive-definite n×n matrix: RᵀR (R with ~30 % zeros, like a Gram matrix) + λI. */
function randomSpd(n: number, rng: Rng, lambda: number): Float64Array {
  const m = n + 3;
  const R = Float64Array.from({ length: m * n }, () => (rng.next() < 0.3 ? 0 : rng.next() * 2 - 1));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += R[r * n + i] * R[r * n + j];
      A[i * n + j] = A[j * n + i] = s + (i === j ? lambda : 0);
    }
  }
  return A;
}

/** The kernels' inverse as a full row-major n×n matrix. */
async function kernelInverse(A: Float64Array, n: number, threads: number): Promise<Float64Array> {
  const P = await inverseSpd(
    n,
    (M, s) => {
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) M[i * s + j] = A[i * n + j];
    },
    { threads },
    (L, s, diag) => {
      const out = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        out[i * n + i] = diag[i];
        for (let j = 0; j < i; j++) out[i * n + j] = out[j * n + i] = L[i * s + j];
      }
      return out;
    },
  );
  expect(P).toBeDefined();
  return P!;
}

describe("EASE inverse kernels (Cholesky, L⁻¹, L⁻ᵀL⁻¹ in WebAssembly SIMD)", () => {
  it("match a Gauss-Jordan inverse on random SPD matrices of every size parity and tail", async () => {
    const rng = new Rng(17);
    for (const n of [1, 2, 3, 4, 5, 7, 8, 16, 33, 64, 131]) {
      for (const lambda of [0.5, 50]) {
        const A = randomSpd(n, rng, lambda);
        const want = Float64Array.from(A);
        invertSpd(want, n);
        const got = await kernelInverse(A, n, 1);
        let scale = 0;
        for (const v of want) scale = Math.max(scale, Math.abs(v));
        let diff = 0;
        for (let j = 0; j < n * n; j++) diff = Math.max(diff, Math.abs(got[j] - want[j]));
        expect(diff, `n=${n} λ=${lambda}`).toBeLessThan(1e-9 * scale);
        // And A·P = I, independently of the reference.
        let offIdentity = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < n; p++) s += A[i * n + p] * got[p * n + j];
            offIdentity = Math.max(offIdentity, Math.abs(s - (i === j ? 1 : 0)));
          }
        }
        expect(offIdentity, `n=${n} λ=${lambda}`).toBeLessThan(1e-9);
      }
    }
  });

  it("give the same bits on one thread and on two", async () => {
    const n = 450; // above the size where a second thread is used
    const A = randomSpd(n, new Rng(5), 10);
    const one = await kernelInverse(A, n, 1);
    const two = await kernelInverse(A, n, 2);
    expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
  });

  it("refuse a matrix that is not positive definite, naming the pivot", async () => {
    const n = 6;
    const A = randomSpd(n, new Rng(9), 1);
    A[3 * n + 3] = -1;
    await expect(kernelInverse(A, n, 1)).rejects.toThrow(/not positive definite at pivot 3/);
  });
});
