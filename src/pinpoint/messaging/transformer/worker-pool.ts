/**
 * A small pool of worker threads that run local transformer functions, one invocation per worker
 * at a time (as one Lambda execution environment handles one request at a time). Workers start on
 * first use and stay warm; a worker that times out, crashes or exceeds its memory limit is
 * terminated and a fresh one takes its place, so a bad function never blocks the server's event
 * loop or poisons the next batch.
 */
import { Worker } from "node:worker_threads";
import { TransformerError } from "./errors.js";
import { WORKER_SOURCE } from "./worker-source.js";

export interface PoolOptions {
  /** Worker threads at most (they start on demand). */
  size: number;
  /** Each worker's JavaScript heap limit (`resourceLimits.maxOldGenerationSizeMb`). */
  memoryMb: number;
  /** How long one invocation may run before its worker is terminated. */
  timeoutMs: number;
  /**
   * How long starting a worker and loading a function's module may take (Lambda bounds its init
   * phase separately, at 10 s), so a cold start on a busy machine does not eat the handler's time.
   */
  initTimeoutMs: number;
}

/** The Lambda `context` fields a worker hands the function (it adds the deadline when the handler starts). */
export interface InvocationContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
}

export interface FunctionTask {
  /** Used in error messages, e.g. `Transformer 'add-titles'`. */
  label: string;
  /** The module file, and a token that changes when the file does. */
  path: string;
  version: string;
  /** The event, as JSON. */
  payload: string;
  context: InvocationContext;
}

/** One line a function wrote with `console.*`. */
export interface FunctionLogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  functionName: string;
  awsRequestId: string;
}

export type FunctionLogger = (entry: FunctionLogEntry) => void;

/** Without a logger, function output goes where a plain `console` would put it. */
const writeToConsole: FunctionLogger = (entry) =>
  (entry.level === "warn" || entry.level === "error" ? process.stderr : process.stdout).write(`${entry.message}\n`);

type WorkerReply =
  | { id: number; log: FunctionLogEntry["level"]; text: string; ok?: undefined }
  | { id: number; started: true; ok?: undefined }
  | { id: number; ok: true; body: string }
  | { id: number; ok: false; kind: "load" | "function" | "output"; errorType: string; errorMessage: string };

interface Job {
  task: FunctionTask;
  resolve(body: string): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  running?: { id: number; job: Job; timer: NodeJS.Timeout };
  /** The invocation the worker ran last, to tag output that arrives after it returned. */
  last?: { id: number; context: InvocationContext };
  /** Modules (`path@version`) this worker has loaded: invoking them needs no init phase. */
  loaded: Set<string>;
  error?: Error & { code?: string };
}

export class FunctionWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  /** Where functions' console output goes (default: this process's stdout and stderr). */
  log: FunctionLogger = writeToConsole;

  constructor(readonly options: PoolOptions) {}

  /** Runs one invocation; resolves to the function's result as JSON text. */
  run(task: FunctionTask): Promise<string> {
    if (this.closed) return Promise.reject(new TransformerError(`${task.label}: the function pool is closed`, false));
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  /** Worker threads currently alive (for tests and metrics). */
  get workerCount(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new TransformerError(`${job.task.label}: the server is shutting down`, false));
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      if (slot.running) {
        clearTimeout(slot.running.timer);
        slot.running.job.reject(new TransformerError(`${slot.running.job.task.label}: the server is shutting down`, false));
        slot.running = undefined;
      }
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => !s.running);
      if (!slot) {
        if (this.slots.length >= this.options.size) return;
        slot = this.spawn();
      }
      this.dispatch(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
    });
    // Idle workers never keep the process alive; a running invocation's timer does.
    worker.unref();
    const slot: Slot = { worker, loaded: new Set() };
    worker.on("message", (reply: WorkerReply) => this.settle(slot, reply));
    worker.on("error", (err) => {
      slot.error = err;
    });
    worker.on("exit", (code) => this.onExit(slot, code));
    this.slots.push(slot);
    return slot;
  }

  private dispatch(slot: Slot, job: Job): void {
    const id = this.nextId++;
    const warm = slot.loaded.has(`${job.task.path}@${job.task.version}`);
    slot.running = { id, job, timer: this.startClock(slot, id, job, warm ? "run" : "init") };
    slot.last = { id, context: job.task.context };
    const { label: _label, ...message } = job.task;
    slot.worker.postMessage({ id, ...message, timeoutMs: this.options.timeoutMs });
  }

  /** Terminates the worker if invocation `id` is still in that phase when its time is up. */
  private startClock(slot: Slot, id: number, job: Job, phase: "init" | "run"): NodeJS.Timeout {
    const limit = phase === "init" ? this.options.initTimeoutMs : this.options.timeoutMs;
    return setTimeout(() => {
      if (slot.running?.id !== id) return;
      slot.running = undefined;
      const what = phase === "init" ? `could not be loaded within ${limit} ms` : `timed out after ${limit} ms`;
      job.reject(new TransformerError(`${job.task.label} ${what}`, true));
      this.retire(slot);
    }, limit);
  }

  private settle(slot: Slot, reply: WorkerReply): void {
    if ("log" in reply) {
      const context = slot.last?.id === reply.id ? slot.last.context : undefined;
      this.log({
        level: reply.log,
        message: reply.text,
        functionName: context?.functionName ?? "",
        awsRequestId: context?.awsRequestId ?? "",
      });
      return;
    }
    const running = slot.running;
    if (!running || running.id !== reply.id) return;
    clearTimeout(running.timer);
    if (reply.ok === undefined) {
      // The module finished loading; the handler now gets the whole timeout.
      slot.loaded.add(`${running.job.task.path}@${running.job.task.version}`);
      running.timer = this.startClock(slot, running.id, running.job, "run");
      return;
    }
    slot.running = undefined;
    const { label } = running.job.task;
    if (reply.ok) {
      running.job.resolve(reply.body);
    } else if (reply.kind === "function") {
      running.job.reject(new TransformerError(`${label} failed: ${reply.errorType}: ${reply.errorMessage}`, true));
    } else if (reply.kind === "output") {
      running.job.reject(
        new TransformerError(`${label} returned a value that cannot be serialised to JSON (${reply.errorMessage})`, false),
      );
    } else {
      running.job.reject(new TransformerError(`${label} could not be loaded: ${reply.errorType}: ${reply.errorMessage}`, false));
    }
    this.pump();
  }

  /** Takes a worker out of service at once (a replacement can start) and stops it. */
  private retire(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    void slot.worker.terminate();
    this.pump();
  }

  private onExit(slot: Slot, code: number): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    const running = slot.running;
    if (running) {
      clearTimeout(running.timer);
      slot.running = undefined;
      const { label } = running.job.task;
      const err = slot.error;
      const why =
        err?.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `ran out of memory (limit ${this.options.memoryMb} MB)`
          : err
            ? `crashed: ${err.name}: ${err.message}`
            : `exited with code ${code} before returning`;
      running.job.reject(new TransformerError(`${label} ${why}`, true));
    }
    this.pump();
  }
}
