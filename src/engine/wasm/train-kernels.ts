/**
 * The training kernels of train.wat on one shared WebAssembly memory: the calling thread and,
 * where it pays, a worker thread instantiate the same module on the same memory, so both cores
 * work on one copy of the matrices. Callers lay their arrays out in `memory` themselves.
 */
import { Worker } from "node:worker_threads";
import { wasmBase64 } from "./train-wasm.js";
import { compileWasm } from "./load.js";

/** The slice of the WebAssembly JS API used here (Node has it; this project's type libs do not declare it). */
interface SharedWasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: true }) => { buffer: SharedArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: SharedWasmApi }).WebAssembly;

type Kernel = (...args: number[]) => number;
/** One kernel call: the export's name and its (numeric) arguments. */
export type KernelCall = [name: string, ...args: number[]];

let compiled: object | null | undefined;
function trainModule(): object | null {
  if (compiled === undefined) compiled = compileWasm(wasmBase64);
  return compiled;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const k = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
parentPort.on("message", (calls) => {
  try {
    let r = 0;
    for (const [name, ...args] of calls) r = k[name](...args);
    parentPort.postMessage({ ok: true, r });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
});
`;

export class TrainKernels {
  private readonly kernels: Record<string, unknown>;
  private readonly workers: Worker[] = [];

  private constructor(
    private readonly module: object,
    private readonly memory: { buffer: SharedArrayBuffer },
  ) {
    this.kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  }

  /**
   * Kernels on a fresh shared memory of at least `bytes`, or undefined where WebAssembly SIMD is
   * unavailable, the data needs more than 4 GiB, or PINREC_TRAIN_KERNELS=js (the JavaScript
   * kernels: a benchmark's baseline); callers then run their JavaScript kernels.
   */
  static create(bytes: number): TrainKernels | undefined {
    if (process.env.PINREC_TRAIN_KERNELS === "js") return undefined;
    const module = trainModule();
    if (!module) return undefined;
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    if (pages > 65536) return undefined; // beyond a 32-bit memory (4 GiB): the JavaScript kernels
    return new TrainKernels(module, new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }));
  }

  get buffer(): SharedArrayBuffer {
    return this.memory.buffer;
  }

  /** Runs calls in order on the calling thread; returns the last call's result. */
  run(calls: KernelCall[]): number {
    let r = 0;
    for (const [name, ...args] of calls) r = (this.kernels[name] as Kernel)(...args);
    return r;
  }

  /**
   * Runs share 0 here and share j on worker thread j at the same time (shares must write disjoint
   * outputs); resolves when all are done. One share runs here alone, with no worker.
   */
  async parallel(shares: KernelCall[][]): Promise<void> {
    const done = shares.slice(1).map((calls, j) => this.post(j, calls));
    try {
      this.run(shares[0] ?? []);
    } finally {
      await Promise.all(done);
    }
  }

  private post(j: number, calls: KernelCall[]): Promise<void> {
    const w = (this.workers[j] ??= new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.module, memory: this.memory } }));
    const done = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ok: boolean; error?: string }) => {
        w.off("error", onError);
        if (m.ok) resolve();
        else reject(new Error(m.error));
      };
      const onError = (e: Error) => {
        w.off("message", onMessage);
        reject(e);
      };
      w.once("message", onMessage);
      w.once("error", onError);
    });
    w.postMessage(calls);
    return done;
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Splits [0, n) into two ranges of about equal cost, where row i costs cost(i): the point where
 * the running total reaches half.
 */
export function splitInTwo(n: number, cost: (i: number) => number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += cost(i);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += cost(i);
    if (acc >= total / 2) return i + 1;
  }
  return n;
}
