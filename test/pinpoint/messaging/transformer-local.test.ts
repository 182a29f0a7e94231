/** Local transformer functions in real worker threads: Lambda's calling convention, limits and failures. */
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FunctionNotFoundError, TransformerError } from "../../../src/pinpoint/messaging/transformer/errors.js";
import { LocalFunctionInvoker } from "../../../src/pinpoint/messaging/transformer/local.js";
import type { FunctionLogEntry } from "../../../src/pinpoint/messaging/transformer/worker-pool.js";
import { tempDir } from "../../helpers.js";
import { TENANT, eventWith, writeFunctions } from "./transformer-fixtures.js";

const dir = tempDir("pinrec-functions-");
const functionsDir = join(dir.path, "functions");
const counter = join(dir.path, "runs");
const runs = () => {
  try {
    return readFileSync(counter, "utf8").length;
  } catch {
    return 0;
  }
};

let invoker: LocalFunctionInvoker;

beforeAll(() => {
  mkdirSync(functionsDir);
  writeFunctions(functionsDir, counter);
  invoker = new LocalFunctionInvoker({ functionsDir, workers: 2, timeoutMs: 2_000, memoryMb: 64 });
});
afterAll(async () => {
  await invoker.close();
  dir.remove();
});
beforeEach(() => rmSync(counter, { force: true }));

async function failure(promise: Promise<unknown>): Promise<TransformerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransformerError);
  return err as TransformerError;
}

describe("calling convention", () => {
  it("calls an async handler with the event and returns its result", async () => {
    const event = eventWith(3);
    const result = (await invoker.invoke(TENANT, "add-titles", event)) as Record<string, { Recommendations: { Title: string[] } }>;
    expect(Object.keys(result)).toEqual(["ep-0", "ep-1", "ep-2"]);
    expect(result["ep-1"].Recommendations.Title).toEqual(["Title 1", "Title 2", "Title 3"]);
    // The caller's event is untouched: the function saw a JSON copy, as a real Lambda does.
    expect(event.Endpoints["ep-1"]).not.toHaveProperty("Recommendations");
  });

  it("passes a Lambda context", async () => {
    const bare = (await invoker.invoke(TENANT, "context", eventWith(1))) as Record<string, unknown>;
    expect(bare).toMatchObject({
      functionName: "context",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:context",
      memoryLimitInMB: "64",
      logGroupName: "/aws/lambda/context",
      applicationId: "app1",
    });
    expect(bare.awsRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(bare.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(bare.remaining).toBeGreaterThan(1_000);
    expect(bare.remaining).toBeLessThanOrEqual(2_000);

    const arn = "arn:aws:lambda:eu-west-1:999988887777:function:context:7";
    const qualified = (await invoker.invoke(TENANT, arn, eventWith(1))) as Record<string, unknown>;
    expect(qualified).toMatchObject({ functionName: "context", functionVersion: "7", invokedFunctionArn: arn });
    const again = (await invoker.invoke(TENANT, "context", eventWith(1))) as Record<string, unknown>;
    expect(again.awsRequestId).not.toBe(bare.awsRequestId);
  });

  it("resolves NAME/index.mjs and NAME/index.js (an unzipped deployment package), by name or ARN", async () => {
    expect(await invoker.invoke(TENANT, "packaged", eventWith(4))).toEqual({ from: "packaged/index.mjs", n: 4 });
    expect(await invoker.invoke(TENANT, "commonjs", eventWith(1))).toEqual({ from: "commonjs/index.js" });
    expect(await invoker.invoke(TENANT, "111122223333:function:packaged:prod", eventWith(2))).toEqual({ from: "packaged/index.mjs", n: 2 });
  });

  it("supports the callback style, context.succeed and synchronous handlers", async () => {
    expect(await invoker.invoke(TENANT, "callback", eventWith(1))).toEqual({ style: "callback" });
    expect(await invoker.invoke(TENANT, "succeed", eventWith(1))).toEqual({ style: "succeed" });
    expect(await invoker.invoke(TENANT, "sync", eventWith(1))).toEqual({ style: "sync" });
    const err = await failure(invoker.invoke(TENANT, "callback-error", eventWith(1)));
    expect(err.message).toBe("Transformer 'callback-error' failed: Error: callback said no (after 3 attempts)");
  });

  it("hands console output to the logger, tagged with the function and request id", async () => {
    const logged: FunctionLogEntry[] = [];
    const chatty = new LocalFunctionInvoker({ functionsDir, workers: 1 });
    chatty.log = (entry) => logged.push(entry);
    try {
      await chatty.invoke(TENANT, "chatty", eventWith(3));
      await chatty.invoke(TENANT, "chatty", eventWith(2));
      const ids = [...new Set(logged.map((e) => e.awsRequestId))];
      expect(ids).toHaveLength(2);
      expect(logged.map(({ level, message, functionName }) => ({ level, message: message.split("\n")[0], functionName }))).toEqual([
        { level: "info", message: "loading", functionName: "chatty" },
        { level: "info", message: "endpoints: 3", functionName: "chatty" },
        { level: "error", message: "Error: careful", functionName: "chatty" },
        { level: "warn", message: "{ a: 1 }", functionName: "chatty" },
        { level: "info", message: "endpoints: 2", functionName: "chatty" },
        { level: "error", message: "Error: careful", functionName: "chatty" },
        { level: "warn", message: "{ a: 1 }", functionName: "chatty" },
      ]);
      expect(logged[0].awsRequestId).toBe(logged[1].awsRequestId);
    } finally {
      await chatty.close();
    }
  });

  it("keeps modules loaded between invocations, and reloads a file that changed", async () => {
    const single = new LocalFunctionInvoker({ functionsDir, workers: 1 });
    try {
      expect(await single.invoke(TENANT, "warm", eventWith(1))).toEqual({ invocations: 1 });
      expect(await single.invoke(TENANT, "warm", eventWith(1))).toEqual({ invocations: 2 });
      const path = join(functionsDir, "warm.mjs");
      writeFileSync(path, `let invocations = 100; export const handler = async () => ({ invocations: ++invocations });`);
      const later = new Date(Date.now() + 5_000);
      utimesSync(path, later, later);
      expect(await single.invoke(TENANT, "warm", eventWith(1))).toEqual({ invocations: 101 });
    } finally {
      await single.close();
    }
  });
});

describe("function names", () => {
  it.each([
    "../outside",
    "/etc/passwd",
    "functions/../../outside",
    "a/b",
    "outside.mjs",
    "..",
    "",
    "x".repeat(65),
    "name with space",
    "arn:aws:lambda:us-east-1:1:function:x",
  ])("refuses %j without touching the file system", async (name) => {
    const err = await failure(invoker.invoke(TENANT, name, eventWith(1)));
    expect(err.message).toMatch(/is not a Lambda function name or ARN/);
    expect(err.retryable).toBe(false);
  });

  it("says which files it looked for when the function does not exist", async () => {
    const err = await failure(invoker.invoke(TENANT, "no-such-function", eventWith(1)));
    expect(err).toBeInstanceOf(FunctionNotFoundError);
    expect(err.message).toBe(
      `Transformer 'no-such-function' not found: no no-such-function.mjs, no-such-function/index.mjs, no-such-function/index.js in the functions directory ${functionsDir}`,
    );
  });

  it("refuses a module without a handler export, or one that does not load, without retrying", async () => {
    const missing = await failure(invoker.invoke(TENANT, "no-handler", eventWith(1)));
    expect(missing.message).toBe(
      `Transformer 'no-handler' could not be loaded: Error: ${join(functionsDir, "no-handler.mjs")} does not export a function named handler`,
    );
    const broken = await failure(invoker.invoke(TENANT, "syntax-error", eventWith(1)));
    expect(broken.message).toMatch(/^Transformer 'syntax-error' could not be loaded: SyntaxError: /);
    expect(broken.message).not.toMatch(/attempts/);
  });
});

describe("failures", () => {
  it("retries a thrown error up to 3 times, then rejects with it", async () => {
    const err = await failure(invoker.invoke(TENANT, "throws", eventWith(1)));
    expect(err.message).toBe("Transformer 'throws' failed: TypeError: no titles for you (after 3 attempts)");
    expect(runs()).toBe(3);
  });

  it("succeeds when a later attempt does", async () => {
    expect(await invoker.invoke(TENANT, "flaky", eventWith(1))).toEqual({ run: 3 });
  });

  it("terminates a function that spins past the timeout, without blocking the event loop, and replaces its worker", async () => {
    const quick = new LocalFunctionInvoker({ functionsDir, workers: 1, timeoutMs: 1_000, attempts: 2 });
    try {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      const started = Date.now();
      const err = await failure(quick.invoke(TENANT, "spin", eventWith(1)));
      clearInterval(ticker);
      expect(err.message).toBe("Transformer 'spin' timed out after 1000 ms (after 2 attempts)");
      expect(runs()).toBe(2);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(ticks).toBeGreaterThanOrEqual(10); // the server's loop kept running while the function spun
      expect(await quick.invoke(TENANT, "add-titles", eventWith(1))).toHaveProperty("ep-0");
      expect(quick.workerCount).toBe(1);
    } finally {
      await quick.close();
    }
  });

  it("times out a promise that never settles, and a module that never finishes loading", async () => {
    const quick = new LocalFunctionInvoker({ functionsDir, workers: 1, timeoutMs: 200, initTimeoutMs: 3_000, attempts: 1 });
    try {
      const err = await failure(quick.invoke(TENANT, "never", eventWith(1)));
      expect(err.message).toBe("Transformer 'never' timed out after 200 ms");
      const init = await failure(quick.invoke(TENANT, "init-spin", eventWith(1)));
      expect(init.message).toBe("Transformer 'init-spin' could not be loaded within 3000 ms");
    } finally {
      await quick.close();
    }
  });

  it("enforces the memory limit", async () => {
    const small = new LocalFunctionInvoker({ functionsDir, workers: 1, memoryMb: 32, attempts: 1 });
    try {
      const err = await failure(small.invoke(TENANT, "hog", eventWith(1)));
      expect(err.message).toBe("Transformer 'hog' ran out of memory (limit 32 MB)");
      expect(await small.invoke(TENANT, "sync", eventWith(1))).toEqual({ style: "sync" });
    } finally {
      await small.close();
    }
  });

  it("rejects a function that exits its thread, after retrying", async () => {
    const err = await failure(invoker.invoke(TENANT, "exits", eventWith(1)));
    expect(err.message).toBe("Transformer 'exits' exited with code 3 before returning (after 3 attempts)");
    expect(runs()).toBe(3);
  });

  it.each([
    ["bigint", "Transformer 'bigint' returned a value that cannot be serialised to JSON (Do not know how to serialize a BigInt)"],
    ["cyclic", /^Transformer 'cyclic' returned a value that cannot be serialised to JSON \(Converting circular structure to JSON/],
    ["function-result", "Transformer 'function-result' returned a value that cannot be serialised to JSON (a function has no JSON form)"],
    ["string", "Transformer 'string' returned a string, not a JSON object of endpoints"],
    ["array", "Transformer 'array' returned an array, not a JSON object of endpoints"],
    ["nothing", "Transformer 'nothing' returned null, not a JSON object of endpoints"],
  ])("rejects garbage output from %s without retrying", async (name, message) => {
    const err = await failure(invoker.invoke(TENANT, name, eventWith(1)));
    if (typeof message === "string") expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
    expect(err.retryable).toBe(false);
    if (name === "bigint") expect(runs()).toBe(1);
  });

  it("rejects a result over 6 MB without retrying", async () => {
    // Building and serialising 7 MB takes a while on a busy machine: the default timeout applies.
    const patient = new LocalFunctionInvoker({ functionsDir, workers: 1 });
    try {
      const err = await failure(patient.invoke(TENANT, "huge", eventWith(1)));
      expect(err.message).toMatch(
        /^Transformer 'huge' returned 73400\d{2} bytes, more than Lambda's 6 MB \(6291456 bytes\) payload limit$/,
      );
      expect(runs()).toBe(1);
    } finally {
      await patient.close();
    }
  });

  it("refuses an event of more than 50 endpoints before invoking anything", async () => {
    const err = await failure(invoker.invoke(TENANT, "throws", eventWith(51)));
    expect(err.message).toBe("Transformer 'throws': the event has 51 endpoints; Pinpoint sends at most 50 per invocation");
    expect(runs()).toBe(0);
  });

  it("refuses an event over 6 MB before invoking anything", async () => {
    const event = eventWith(1);
    event.Endpoints["ep-0"].Attributes = { Notes: ["x".repeat(6 * 1024 * 1024)] };
    const err = await failure(invoker.invoke(TENANT, "throws", event));
    expect(err.message).toMatch(/^Transformer 'throws': the event is \d+ bytes, more than Lambda's 6 MB/);
    expect(runs()).toBe(0);
  });
});

describe("pool", () => {
  it("runs concurrent invocations on at most its size of workers", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => invoker.invoke(TENANT, "add-titles", eventWith(1 + (i % 50)))));
    expect(results.map((r) => Object.keys(r as object).length)).toEqual(Array.from({ length: 40 }, (_, i) => 1 + (i % 50)));
    expect(invoker.workerCount).toBeLessThanOrEqual(2);
  });

  it("rejects invocations in flight and later ones once closed", async () => {
    const closing = new LocalFunctionInvoker({ functionsDir, workers: 1, timeoutMs: 10_000 });
    const pending = failure(closing.invoke(TENANT, "never", eventWith(1)));
    const queued = failure(closing.invoke(TENANT, "sync", eventWith(1)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closing.close();
    expect((await pending).message).toBe("Transformer 'never': the server is shutting down");
    expect((await queued).message).toBe("Transformer 'sync': the server is shutting down");
    expect((await failure(closing.invoke(TENANT, "sync", eventWith(1)))).message).toBe("Transformer 'sync': the function pool is closed");
    expect(closing.workerCount).toBe(0);
  });
});
