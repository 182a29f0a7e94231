import { describe, expect, it } from "vitest";
import { inverseSpd, invertSpd, Rng } from "../../src/engine/index.js";
import { gramRows, ialsSolveRows } from "../../src/engine/recipes/ials/kernel.js";
import { TrainKernels } from "../../src/engine/wasm/train-kernels.js";

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

describe("iALS kernels in WebAssembly SIMD give the JavaScript kernels' bits", () => {
  /** Copies arrays into one kernel memory, 16-byte aligned; returns the kernels and each array's offset. */
  function place(arrays: (Int32Array | Float32Array | Float64Array)[], scratchBytes: number) {
    const offsets: number[] = [];
    let bytes = 0;
    for (const a of [...arrays, new Float64Array(scratchBytes / 8)]) {
      offsets.push(bytes);
      bytes += Math.ceil(a.byteLength / 16) * 16;
    }
    const kernels = TrainKernels.create(bytes)!;
    arrays.forEach((a, j) =>
      new Uint8Array(kernels.buffer, offsets[j], a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)),
    );
    return { kernels, offsets };
  }

  it.each([4, 16, 64])("row solves and the Gram matrix, k = %i (odd and even row lengths, empty rows)", async (k) => {
    const rng = new Rng(k);
    const nX = 41;
    const nY = 29;
    const indptr = new Int32Array(nX + 1);
    const cols: number[] = [];
    for (let r = 0; r < nX; r++) {
      const len = r % 7 === 0 ? 0 : 1 + rng.int(12);
      for (let j = 0; j < len; j++) cols.push(rng.int(nY));
      indptr[r + 1] = cols.length;
    }
    const indices = Int32Array.from(cols);
    const conf = Float32Array.from(cols, () => 1 + rng.next() * 3);
    const X = Float32Array.from({ length: nX * k }, () => rng.gaussian() * 0.1);
    const Y = Float32Array.from({ length: nY * k }, (_, j) => (j % 11 === 0 ? 0 : rng.gaussian() * 0.3));
    const G = new Float64Array(k * k);
    gramRows(0, k, Y, nY, k, G);
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a];

    const { kernels, offsets } = place([indptr, indices, conf, X, Y, new Float64Array(k * k)], 8 * (k * k + 6 * k));
    try {
      // Gram matrix of Y, rows of G split in two as two threads would.
      const mid = Math.floor(k / 3) | 1;
      kernels.run([
        ["ials_gram", 0, mid, offsets[4], nY, k, offsets[5]],
        ["ials_gram", mid, k, offsets[4], nY, k, offsets[5]],
      ]);
      const got = new Float64Array(kernels.buffer, offsets[5], k * k);
      for (let a = 0; a < k; a++) for (let b = a; b < k; b++) expect(got[a * k + b], `G[${a}][${b}]`).toBe(G[a * k + b]);
      got.set(G);

      const want = Float32Array.from(X);
      ialsSolveRows(0, nX, indptr, indices, conf, want, Y, G, k, nY, 0.3, 0.02, 3);
      kernels.run([
        ["ials_solve", 0, nX, offsets[0], offsets[1], offsets[2], offsets[3], offsets[4], offsets[5], k, nY, 0.3, 0.02, 3, offsets[6]],
      ]);
      const solved = new Float32Array(kernels.buffer, offsets[3], nX * k);
      expect(Buffer.from(solved.slice().buffer).equals(Buffer.from(want.buffer))).toBe(true);
      expect(want).not.toEqual(X); // the solve did move the rows
    } finally {
      await kernels.close();
    }
  });
});
