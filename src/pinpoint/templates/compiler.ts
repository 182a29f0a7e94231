/**
 * Handlebars' parse-and-precompile check, run in a worker thread with a deadline. Even within
 * TEMPLATE_LIMITS a large template costs Handlebars up to seconds of CPU; on the event loop that
 * would stall every other tenant's requests, so the compile runs beside it. A check that passes its
 * deadline is refused with a 400 and its worker replaced; at most `maxPending` checks wait, after
 * which new ones are told to retry (429), so a flood of costly templates cannot queue without bound.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { ApiError, badRequest } from "../../shared/errors.js";
import { REFUSED_HELPERS } from "./handlebars.js";

/** What Handlebars said about a part it could not parse or compile. */
export interface HandlebarsFailure {
  message: string;
  /** Handlebars' own exceptions (e.g. "if doesn't match each") carry a 1-based line and 0-based column. */
  lineNumber?: number;
  column?: number;
  /** Parser errors: where the lexer stopped (1-based line, 0-based column). */
  lexerLine?: number;
  lexerColumn?: number;
  /** Set instead when the part parses but calls a helper message templates may not use (REFUSED_HELPERS). */
  refusedHelper?: string;
}

export interface TemplatePart {
  /** The member it came from, e.g. `HtmlPart` or `APNS.Body`, for error messages. */
  field: string;
  text: string;
}

/**
 * Generous on purpose: a real template compiles in milliseconds, but a large one on a busy machine
 * can take seconds, and the deadline only has to stop a runaway compile, not judge a slow one.
 */
export const COMPILE_DEADLINE_MS = 10_000;
export const MAX_PENDING_COMPILES = 32;

// Plain CommonJS evaluated in the worker, so the same code runs from `src/` under the test runner
// and from `dist/`; Handlebars is loaded by the absolute path resolved here.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Handlebars = require(workerData.handlebars);
const refused = new Set(workerData.refusedHelpers);
// The same walk as refusedHelperIn in handlebars.ts: a mustache, block or subexpression calling one.
function refusedIn(node) {
  if (Array.isArray(node)) {
    for (const n of node) { const f = refusedIn(n); if (f) return f; }
    return undefined;
  }
  if (typeof node !== "object" || node === null) return undefined;
  if (node.type === "MustacheStatement" || node.type === "BlockStatement" || node.type === "SubExpression") {
    const p = node.path;
    if (p.type === "PathExpression" && !p.data && p.parts.length === 1 && refused.has(p.parts[0]) && p.original === p.parts[0]) return p.parts[0];
  }
  for (const key of ["body", "program", "inverse", "path", "params", "hash", "pairs", "value"]) {
    if (key in node) { const f = refusedIn(node[key]); if (f) return f; }
  }
  return undefined;
}
parentPort.on("message", ({ id, parts }) => {
  for (let i = 0; i < parts.length; i++) {
    try {
      const ast = Handlebars.parse(parts[i]);
      const helper = refusedIn(ast);
      if (helper) {
        parentPort.postMessage({ id, index: i, failure: { message: "refused helper " + helper, refusedHelper: helper } });
        return;
      }
      Handlebars.precompile(ast);
    } catch (err) {
      const lexer = Handlebars.Parser && Handlebars.Parser.lexer && Handlebars.Parser.lexer.yylloc;
      parentPort.postMessage({ id, index: i, failure: {
        message: String((err && err.message) || err),
        lineNumber: err && typeof err.lineNumber === "number" ? err.lineNumber : undefined,
        column: err && typeof err.column === "number" ? err.column : undefined,
        lexerLine: lexer ? lexer.first_line : undefined,
        lexerColumn: lexer ? lexer.first_column : undefined,
      } });
      return;
    }
  }
  parentPort.postMessage({ id });
});
`;

interface Job {
  id: number;
  parts: TemplatePart[];
  resolve(result: { index: number; failure: HandlebarsFailure } | undefined): void;
  reject(err: Error): void;
}

interface Reply {
  id: number;
  index?: number;
  failure?: HandlebarsFailure;
}

export class TemplateCompiler {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private running: { job: Job; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  private readonly handlebarsPath = createRequire(import.meta.url).resolve("handlebars");

  constructor(
    private readonly deadlineMs = COMPILE_DEADLINE_MS,
    private readonly maxPending = MAX_PENDING_COMPILES,
  ) {}

  /**
   * Parses and precompiles each part; resolves with the first part Handlebars refused (its index
   * and what Handlebars said), or undefined when all compile. Rejects with a 400 when the deadline
   * passes and a 429 when too many checks are already waiting.
   */
  compile(parts: TemplatePart[]): Promise<{ index: number; failure: HandlebarsFailure } | undefined> {
    if (parts.length === 0) return Promise.resolve(undefined);
    if (this.queue.length >= this.maxPending) {
      return Promise.reject(
        new ApiError("TooManyRequestsException", 429, "Too many templates are being checked at once; retry the request"),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, parts, resolve, reject });
      this.pump();
    });
  }

  /** Stops the worker; checks still waiting are refused. */
  async close(): Promise<void> {
    for (const job of this.queue.splice(0))
      job.reject(new ApiError("ServiceUnavailableException", 503, "The server is shutting down; retry the request"));
    if (this.running) {
      clearTimeout(this.running.timer);
      this.running.job.reject(new ApiError("ServiceUnavailableException", 503, "The server is shutting down; retry the request"));
      this.running = undefined;
    }
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    const worker = this.ensureWorker();
    const timer = setTimeout(() => {
      // The compile is still running: only ending the thread stops it.
      this.running = undefined;
      this.discardWorker();
      job.reject(badRequest(`The template is too costly to compile: Handlebars needed more than ${this.deadlineMs} ms; simplify it`));
      this.pump();
    }, this.deadlineMs);
    this.running = { job, timer };
    worker.postMessage({ id: job.id, parts: job.parts.map((p) => p.text) });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { handlebars: this.handlebarsPath, refusedHelpers: [...REFUSED_HELPERS] },
      // A compile that runs away with memory ends this thread, not the server.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    worker.unref(); // an idle checker never keeps the process alive
    worker.on("message", (reply: Reply) => this.finish(reply));
    worker.on("error", (err) => this.crashed(worker, err));
    worker.on("exit", () => {
      if (this.worker === worker) this.crashed(worker, new Error("the template compiler thread exited"));
    });
    this.worker = worker;
    return worker;
  }

  private finish(reply: Reply): void {
    const running = this.running;
    if (!running || running.job.id !== reply.id) return;
    clearTimeout(running.timer);
    this.running = undefined;
    running.job.resolve(reply.failure ? { index: reply.index!, failure: reply.failure } : undefined);
    this.pump();
  }

  /** The thread died mid-check (e.g. out of memory): that template is refused, the next gets a new thread. */
  private crashed(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.discardWorker();
    const running = this.running;
    if (running) {
      clearTimeout(running.timer);
      this.running = undefined;
      const oom = (err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
      running.job.reject(oom ? badRequest("The template is too costly to compile: Handlebars ran out of memory; simplify it") : err);
    }
    this.pump();
  }

  private discardWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

let shared: TemplateCompiler | undefined;

/** The process-wide compiler, shared by template validation and the send pipeline. */
export function sharedTemplateCompiler(): TemplateCompiler {
  return (shared ??= new TemplateCompiler());
}
