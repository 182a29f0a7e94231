/**
 * Implicit ALS (Hu, Koren & Volinsky 2008) as revisited by Rendle et al. 2022:
 * a global unobserved weight α0 on all user×item pairs, frequency-scaled L2
 * regularisation, small initialisation, and conjugate-gradient row solves
 * (Takács et al. 2011) so an epoch costs O(nnz·k + rows·k²) rather than
 * O(rows·k³). Rows are split across worker_threads over SharedArrayBuffers.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { Rng } from "./prng.js";
import { ialsSolveRows, gramRows } from "./ials-kernel.js";
import { transpose, type Dataset, type ProgressCallback } from "./dataset.js";

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

function sab32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4));
}
function sabI32(src: Int32Array): Int32Array {
  const a = new Int32Array(new SharedArrayBuffer(Math.max(1, src.length) * 4));
  a.set(src);
  return a;
}
function sabF32(src: Float32Array): Float32Array {
  const a = sab32(src.length);
  a.set(src);
  return a;
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

function mirror(G: Float64Array, k: number): void {
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a];
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ialsSolveRows = ${ialsSolveRows.toString()};
const gramRows = ${gramRows.toString()};
const d = workerData;
parentPort.on("message", (m) => {
  try {
    if (m.op === "solve") {
      const users = m.side === "users";
      ialsSolveRows(m.start, m.end,
        users ? d.uIndptr : d.iIndptr, users ? d.uIndices : d.iIndices, users ? d.uConf : d.iConf,
        users ? d.U : d.V, users ? d.V : d.U, d.G, d.k, users ? d.nItems : d.nUsers,
        d.alpha0, d.lambda, d.cgSteps);
    } else if (m.op === "gram") {
      const users = m.side === "users";
      gramRows(m.start, m.end, users ? d.U : d.V, users ? d.nUsers : d.nItems, d.k, d.G);
    }
    parentPort.postMessage({ ok: true });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String(e && e.stack || e) });
  }
});
`;

class Pool {
  private workers: Worker[];
  constructor(n: number, data: Record<string, unknown>) {
    this.workers = Array.from({ length: n }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: data }));
  }
  run(tasks: Record<string, unknown>[]): Promise<void> {
    return Promise.all(
      tasks.map(
        (t, j) =>
          new Promise<void>((resolve, reject) => {
            const w = this.workers[j];
            const onMsg = (m: { ok: boolean; error?: string }) => {
              w.off("error", onErr);
              m.ok ? resolve() : reject(new Error(m.error));
            };
            const onErr = (e: Error) => {
              w.off("message", onMsg);
              reject(e);
            };
            w.once("message", onMsg);
            w.once("error", onErr);
            w.postMessage(t);
          }),
      ),
    ).then(() => undefined);
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
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

  const U = sab32(nU * k);
  const V = sab32(nI * k);
  const rng = new Rng(opts.seed);
  const std = params.initStd / Math.sqrt(k);
  for (let j = 0; j < U.length && nU > 0; j++) U[j] = rng.gaussian() * std;
  for (let j = 0; j < V.length && nI > 0; j++) V[j] = rng.gaussian() * std;
  const G = new Float64Array(new SharedArrayBuffer(k * k * 8));

  // Small problems are faster on one thread than the ~30 ms of worker start-up.
  const threads = Math.max(1, opts.threads ?? (ds.indices.length < 200_000 ? 1 : Math.min(2, availableParallelism())));
  const data = {
    uIndptr: sabI32(ds.indptr),
    uIndices: sabI32(ds.indices),
    uConf: sabF32(conf),
    iIndptr: sabI32(tr.indptr),
    iIndices: sabI32(tr.indices),
    iConf: sabF32(tr.values),
    U,
    V,
    G,
    k,
    nUsers: nU,
    nItems: nI,
    alpha0: params.unobservedWeight,
    lambda: params.regularization,
    cgSteps: params.cgSteps,
  };
  const pool = threads > 1 ? new Pool(threads, data) : null;
  const d = data;
  const gram = async (side: "users" | "items") => {
    G.fill(0);
    if (pool) {
      const b = gramSplit(k, threads);
      await pool.run(b.slice(0, -1).map((s, j) => ({ op: "gram", side, start: s, end: b[j + 1] })));
    } else {
      gramRows(0, k, side === "users" ? U : V, side === "users" ? nU : nI, k, G);
    }
    mirror(G, k);
  };
  const solve = async (side: "users" | "items") => {
    const users = side === "users";
    if (pool) {
      const b = balancedSplit(users ? d.uIndptr : d.iIndptr, users ? nU : nI, threads, k);
      await pool.run(b.slice(0, -1).map((s, j) => ({ op: "solve", side, start: s, end: b[j + 1] })));
    } else {
      ialsSolveRows(
        0,
        users ? nU : nI,
        users ? d.uIndptr : d.iIndptr,
        users ? d.uIndices : d.iIndices,
        users ? d.uConf : d.iConf,
        users ? U : V,
        users ? V : U,
        G,
        k,
        users ? nI : nU,
        d.alpha0,
        d.lambda,
        d.cgSteps,
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
    await pool?.close();
  }
  return { userFactors: new Float32Array(U), itemFactors: new Float32Array(V), itemGram: new Float64Array(G) };
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
