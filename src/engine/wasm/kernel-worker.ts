/**
 * A worker thread running kernel calls on a module instance over the caller's shared memory, for
 * the serving kernels (scorer.ts). Completion is a status word in that memory (0 running, 1 done,
 * 2 failed), so the caller can wait for it either synchronously (Atomics.wait: the engine's sync
 * API) or without blocking its event loop (Atomics.waitAsync: the server). The thread is unref'd:
 * an idle worker never keeps the process alive.
 */
import { Worker } from "node:worker_threads";

/** One kernel call: the export's name and its (numeric) arguments. */
export type KernelCall = [name: string, ...args: number[]];

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const status = new Int32Array(workerData.memory.buffer, workerData.statusAt, 1);
let kernels, failure = "";
try {
  kernels = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
} catch (e) {
  failure = String((e && e.stack) || e);
}
parentPort.on("message", (calls) => {
  let s = 1;
  try {
    if (!kernels) throw new Error(failure);
    for (const [name, ...args] of calls) kernels[name](...args);
  } catch (e) {
    s = 2;
    failure = String((e && e.stack) || e);
  }
  Atomics.store(status, 0, s);
  Atomics.notify(status, 0);
});
`;

/** Node 20 has Atomics.waitAsync; this project's ES2023 type libs do not declare it. */
type WaitAsync = (a: Int32Array, i: number, v: number, timeoutMs?: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * How long a caller waits for the worker's share of one batch: far beyond any real share (a pass is
 * milliseconds), so it only ends the wait for a thread that died outside its own error handling,
 * which a thread blocked in Atomics.wait could not otherwise notice.
 */
export const WORKER_DEADLINE_MS = 30_000;

export class KernelWorker {
  private readonly worker: Worker;
  private readonly status: Int32Array;
  /** Set once the thread missed a deadline; its owner starts a new one. */
  broken = false;

  /** `statusAt`: a 4-byte-aligned word of `memory` reserved for this worker, below memory's initial size. */
  constructor(module: object, memory: { buffer: SharedArrayBuffer }, statusAt: number) {
    this.status = new Int32Array(memory.buffer, statusAt, 1);
    Atomics.store(this.status, 0, 1);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, statusAt } });
    this.worker.unref();
  }

  /** Starts `calls` (in order) on the worker; wait with `waitSync` or `wait` before reading their output. */
  start(calls: KernelCall[]): void {
    Atomics.store(this.status, 0, 0);
    this.worker.postMessage(calls);
  }

  /** Blocks this thread until the calls are done. */
  waitSync(): void {
    if (Atomics.wait(this.status, 0, 0, WORKER_DEADLINE_MS) === "timed-out") this.giveUp();
    this.check();
  }

  /** Resolves when the calls are done, leaving this thread's event loop free meanwhile. */
  async wait(): Promise<void> {
    const r = waitAsync(this.status, 0, 0, WORKER_DEADLINE_MS);
    let outcome = r.value;
    if (r.async) {
      // A pending waitAsync does not keep the process alive on its own: the worker does, meanwhile.
      this.worker.ref();
      try {
        outcome = await r.value;
      } finally {
        this.worker.unref();
      }
    }
    if (outcome === "timed-out") this.giveUp();
    this.check();
  }

  /** Ends the thread (it holds the memory it was given, so a retired owner must end it). */
  close(): Promise<number> {
    return this.worker.terminate();
  }

  private giveUp(): never {
    this.broken = true;
    void this.worker.terminate();
    throw new Error(`scoring worker thread did not answer within ${WORKER_DEADLINE_MS / 1000} s`);
  }

  private check(): void {
    if (Atomics.load(this.status, 0) === 2) throw new Error("scoring kernel failed on the worker thread");
  }
}
