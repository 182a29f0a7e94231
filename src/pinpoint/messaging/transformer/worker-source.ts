/**
 * The code each function worker thread runs, as source (evaluated with `new Worker(…, { eval:
 * true })`, so it works the same from `src/` under the tests and from `dist/`).
 *
 * It calls handlers the way AWS Lambda's Node.js runtime does: `handler(event, context)` for an
 * async handler, or `handler(event, context, callback)` for the callback style, with a `context`
 * carrying `functionName`, `functionVersion`, `invokedFunctionArn`, `memoryLimitInMB`,
 * `awsRequestId`, `logGroupName`, `logStreamName`, `getRemainingTimeInMillis()` and the legacy
 * `done`/`succeed`/`fail`. The event arrives as JSON and the result leaves as JSON, exactly the
 * round trip a real Lambda payload makes.
 *
 * Modules stay loaded between invocations (a warm execution environment); a file whose
 * modification time or size changed is imported afresh on its next invocation. After a cold load
 * the worker reports `started`, so loading and running are each bounded by their own limit. `console`
 * output is posted to the pool, tagged with the invocation, instead of written to stdout.
 */
// biome-ignore lint/complexity/noUselessStringRaw: the worker source is kept raw so backslashes in it never need escaping
export const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort } = require("node:worker_threads");
const { pathToFileURL } = require("node:url");
const { format } = require("node:util");

const loaded = new Map();

// Console output goes to the pool with the invocation it belongs to (as Lambda tags log lines
// with the request id); output after an invocation returned is tagged with that invocation.
let current = 0;
for (const [method, level] of [["log", "info"], ["info", "info"], ["debug", "debug"], ["trace", "debug"], ["warn", "warn"], ["error", "error"]]) {
  console[method] = (...args) => parentPort.postMessage({ id: current, log: level, text: format(...args) });
}

async function load(path, version) {
  const hit = loaded.get(path);
  if (hit && hit.version === version) return hit.handler;
  // Each version of a file gets its own URL, so the module loader imports a changed file (or one
  // that failed to load) again instead of answering from its cache.
  const url = pathToFileURL(path).href + "?v=" + encodeURIComponent(version);
  const mod = await import(url);
  const handler = typeof mod.handler === "function" ? mod.handler : mod.default && mod.default.handler;
  if (typeof handler !== "function") {
    const err = new Error(path + " does not export a function named handler");
    err.kind = "load";
    throw err;
  }
  loaded.set(path, { version, handler });
  return handler;
}

function call(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.done = done;
    context.succeed = (result) => done(null, result);
    context.fail = (err) => done(err === undefined || err === null ? new Error("context.fail() called") : err);
    let returned;
    try {
      returned = handler(event, context, done);
    } catch (err) {
      done(err === undefined || err === null ? new Error("threw " + err) : err);
      return;
    }
    if (returned && typeof returned.then === "function") {
      returned.then((result) => done(null, result), (err) => done(err === undefined || err === null ? new Error("rejected with " + err) : err));
    } else if (handler.length < 3) {
      // A synchronous handler that takes no callback: its return value is the result.
      done(null, returned);
    }
  });
}

function describe(err) {
  if (err instanceof Error) return { errorType: err.name || "Error", errorMessage: err.message };
  if (typeof err === "string") return { errorType: "Error", errorMessage: err };
  let text;
  try { text = JSON.stringify(err); } catch { text = String(err); }
  return { errorType: "Error", errorMessage: text === undefined ? String(err) : text };
}

parentPort.on("message", async (task) => {
  current = task.id;
  let handler;
  const hit = loaded.get(task.path);
  const cold = !hit || hit.version !== task.version;
  try {
    handler = await load(task.path, task.version);
  } catch (err) {
    const { errorType, errorMessage } = describe(err);
    parentPort.postMessage({ id: task.id, ok: false, kind: "load", errorType, errorMessage });
    return;
  }
  // As in Lambda, loading the module (the init phase) has its own limit and does not count
  // against the function's timeout: the pool restarts its clock when told the handler is starting.
  if (cold) parentPort.postMessage({ id: task.id, started: true });
  const c = task.context;
  c.deadline = Date.now() + task.timeoutMs;
  const context = {
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: c.memoryLimitInMB,
    awsRequestId: c.awsRequestId,
    logGroupName: c.logGroupName,
    logStreamName: c.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, c.deadline - Date.now()),
  };
  let result;
  try {
    result = await call(handler, JSON.parse(task.payload), context);
  } catch (err) {
    const { errorType, errorMessage } = describe(err);
    parentPort.postMessage({ id: task.id, ok: false, kind: "function", errorType, errorMessage });
    return;
  }
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (err) {
    parentPort.postMessage({ id: task.id, ok: false, kind: "output", errorType: "TypeError", errorMessage: String(err && err.message || err) });
    return;
  }
  if (body === undefined) {
    parentPort.postMessage({ id: task.id, ok: false, kind: "output", errorType: "TypeError", errorMessage: "a " + typeof result + " has no JSON form" });
    return;
  }
  parentPort.postMessage({ id: task.id, ok: true, body });
});
`;
