/**
 * Implicit ALS (Hu, Koren & Volinsky 2008) as revisited by Rendle et al. 2022:
 * a global unobserved weight α0 on all user×item pairs, frequency-scaled L2
 * regularisation, small initialisation, and conjugate-gradient row solves
 * (Takács et al. 2011) so an epoch costs O(nnz·k + rows·k²) rather than
 * O(rows·k³). The kernels are in wasm/train.wat (SIMD, the same bits as the JavaScript in
 * kernel.ts, which runs where WebAssembly is unavailable); rows are split across a worker
 * thread and this one, on one shared memory.
 */
import { availableParallelism } from "node:os";
import { Rng } from "../../prng.js";
import { ialsSolveRows, gramRows } from "./kernel.js";
import { transpose, type Dataset, type ProgressCallback } from "../../dataset.js";
import { TrainKernels } from "../../wasm/train-kernels.js";

export interface IalsParams {
  /** Latent dimension. More factors help on large data; 64 is a good JS speed/quality point. */
  factors: number;
  /** Full passes (users then items). Rendle et al. find ~10–16 enough. */
  epochs: number;
  /** L2 strength, scaled per row by (n_obs + α0·n_other) — Rendle's frequency scaling. */
  regularization: number;
  /** Weight of every unobserved pair (α0). Small values stop popular-item domination. */
  unobservedWeight: number;
  /** Confidence of an observed pair = 1 + alpha·ln(weight); weight = event count or EVENT_VALUE sum. */
  alpha: number;
  /** Std-dev of the initial factors is initStd / sqrt(factors). */
  initStd: number;
  /** CG steps per row solve (3 is implicit's default and is enough with warm starts). */
  cgSteps: number;
}

export const DEFAULT_IALS: IalsParams = {
  factors: 64,
  epochs: 12,
  // Tuned on MovieLens-100K-shaped synthetic data (docs/engine.md): α0 and λ
  // interact through the frequency scaling, so change them together.
  regularization: 0.02,
  unobservedWeight: 0.3,
  alpha: 1,
  initStd: 0.1,
  cgSteps: 3,
};

export interface IalsResult {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  /** G = VᵀV of the final item factors, kept for fold-in solves. */
  itemGram: Float64Array;
}

/** Split [0, n) into `parts` contiguous ranges with roughly equal cost (cost(i) = nnz_i + k). */
export function balancedSplit(indptr: Int32Array, n: number, parts: number, rowCost: number): number[] {
  const total = indptr[n] + rowCost * n;
  const bounds = [0];
  let row = 0;
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    while (row < n && indptr[row] + rowCost * row < target) row++;
    bounds.push(row);
  }
  bounds.push(n);
  return bounds;
}

function gramSplit(k: number, parts: number): number[] {
  const total = (k * (k + 1)) / 2;
  const bounds = [0];
  let acc = 0;
  let a = 0;
  for (let p = 1; p < parts; p++) {
    while (a < k && acc < (total * p) / parts) acc += k - a++;
    bounds.push(a);
  }
  bounds.push(k);
  return bounds;
}

/** Byte offsets of arrays packed one after another, each 16-byte aligned (for SIMD loads). */
class Layout {
  bytes = 0;
  add(bytes: number): number {
    const at = this.bytes;
    this.bytes += Math.ceil(bytes / 16) * 16;
    return at;
  }
}

function mirror(G: Float64Array, k: number): void {
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a];
}

export interface IalsTrainOptions {
  seed: number;
  /** Worker threads; default min(2, availableParallelism()), 1 = run on the calling thread. */
  threads?: number;
  onProgress?: ProgressCallback;
}

export async function trainIals(ds: Dataset, params: IalsParams, opts: IalsTrainOptions): Promise<IalsResult> {
  const nU = ds.users.size;
  const nI = ds.items.size;
  const k = params.factors;
  if (!Number.isInteger(k) || k < 4 || k % 4 !== 0) throw new Error(`ials.factors must be a positive multiple of 4 (got ${k})`);
  const conf = new Float32Array(ds.weights.length);
  for (let e = 0; e < conf.length; e++) conf[e] = 1 + params.alpha * Math.log(Math.max(1, ds.weights[e]));
  const tr = transpose(nU, nI, ds.indptr, ds.indices, conf);

  // Everything the kernels touch lives in one memory, shared by the threads.
  const scratchBytes = 8 * (k * k + 6 * k);
  // A worker costs ~30 ms to start; from ~50k interactions (MovieLens-100K size) it pays.
  const threads = Math.max(1, opts.threads ?? (ds.indices.length < 50_000 ? 1 : Math.min(2, availableParallelism())));
  const plan = new Layout();
  const at = {
    uIndptr: plan.add(4 * (nU + 1)),
    uIndices: plan.add(4 * ds.indices.length),
    uConf: plan.add(4 * conf.length),
    iIndptr: plan.add(4 * (nI + 1)),
    iIndices: plan.add(4 * tr.indices.length),
    iConf: plan.add(4 * tr.values.length),
    U: plan.add(4 * nU * k),
    V: plan.add(4 * nI * k),
    G: plan.add(8 * k * k),
    scratch: Array.from({ length: threads }, () => plan.add(scratchBytes)),
  };
  const kernels = TrainKernels.create(plan.bytes);
  const buffer = kernels?.buffer ?? new ArrayBuffer(plan.bytes);
  const i32 = (offset: number, src: Int32Array) => {
    const a = new Int32Array(buffer, offset, src.length);
    a.set(src);
    return a;
  };
  const uIndptr = i32(at.uIndptr, ds.indptr);
  const uIndices = i32(at.uIndices, ds.indices);
  const uConf = new Float32Array(buffer, at.uConf, conf.length);
  uConf.set(conf);
  const iIndptr = i32(at.iIndptr, tr.indptr);
  const iIndices = i32(at.iIndices, tr.indices);
  const iConf = new Float32Array(buffer, at.iConf, tr.values.length);
  iConf.set(tr.values);
  const U = new Float32Array(buffer, at.U, nU * k);
  const V = new Float32Array(buffer, at.V, nI * k);
  const G = new Float64Array(buffer, at.G, k * k);
  const rng = new Rng(opts.seed);
  const std = params.initStd / Math.sqrt(k);
  for (let j = 0; j < U.length && nU > 0; j++) U[j] = rng.gaussian() * std;
  for (let j = 0; j < V.length && nI > 0; j++) V[j] = rng.gaussian() * std;

  const gram = async (side: "users" | "items") => {
    const users = side === "users";
    G.fill(0);
    if (kernels) {
      const b = gramSplit(k, threads);
      await kernels.parallel(b.slice(0, -1).map((s, j) => [["ials_gram", s, b[j + 1], users ? at.U : at.V, users ? nU : nI, k, at.G]]));
    } else {
      gramRows(0, k, users ? U : V, users ? nU : nI, k, G);
    }
    mirror(G, k);
  };
  const solve = async (side: "users" | "items") => {
    const users = side === "users";
    const { unobservedWeight: alpha0, regularization: lambda, cgSteps } = params;
    if (kernels) {
      const b = balancedSplit(users ? uIndptr : iIndptr, users ? nU : nI, threads, k);
      await kernels.parallel(
        b
          .slice(0, -1)
          .map((s, j) => [
            [
              "ials_solve",
              s,
              b[j + 1],
              users ? at.uIndptr : at.iIndptr,
              users ? at.uIndices : at.iIndices,
              users ? at.uConf : at.iConf,
              users ? at.U : at.V,
              users ? at.V : at.U,
              at.G,
              k,
              users ? nI : nU,
              alpha0,
              lambda,
              cgSteps,
              at.scratch[j],
            ],
          ]),
      );
    } else {
      ialsSolveRows(
        0,
        users ? nU : nI,
        users ? uIndptr : iIndptr,
        users ? uIndices : iIndices,
        users ? uConf : iConf,
        users ? U : V,
        users ? V : U,
        G,
        k,
        users ? nI : nU,
        alpha0,
        lambda,
        cgSteps,
      );
    }
  };
  try {
    opts.onProgress?.({ phase: "ials", done: 0, total: params.epochs });
    for (let epoch = 0; epoch < params.epochs; epoch++) {
      await gram("items");
      await solve("users");
      await gram("users");
      await solve("items");
      opts.onProgress?.({ phase: "ials", done: epoch + 1, total: params.epochs });
    }
    await gram("items");
  } finally {
    await kernels?.close();
  }
  return { userFactors: new Float32Array(U), itemFactors: new Float32Array(V), itemGram: new Float64Array(G) };
}
