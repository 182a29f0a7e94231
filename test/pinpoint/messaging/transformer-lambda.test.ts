/**
 * The AWS Lambda backend through the real `@aws-sdk/client-lambda`, against a local HTTP server
 * that speaks Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FunctionNotFoundError, TransformerError } from "../../../src/pinpoint/messaging/transformer/errors.js";
import { chooseBackend, TransformerRouter } from "../../../src/pinpoint/messaging/transformer/index.js";
import { LambdaInvoker } from "../../../src/pinpoint/messaging/transformer/lambda.js";
import type { TransformerEvent } from "../../../src/pinpoint/messaging/contracts.js";
import { tempDir } from "../../helpers.js";
import { TENANT, eventWith } from "./transformer-fixtures.js";

interface Received {
  functionName: string;
  qualifier: string | null;
  authorization: string;
  invocationType: string | undefined;
  event: TransformerEvent;
}

const received: Received[] = [];
const calls = new Map<string, number>();

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": "req-1", ...headers });
  res.end(body);
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  reply(res, status, JSON.stringify({ Type: "User", message }), { "x-amzn-errortype": type });
}

/** What each fake function does, keyed by its name. */
function behave(name: string, event: TransformerEvent, res: ServerResponse): void {
  const n = (calls.get(name) ?? 0) + 1;
  calls.set(name, n);
  switch (name) {
    case "add-titles": {
      for (const endpoint of Object.values(event.Endpoints)) {
        (endpoint as Record<string, unknown>).Recommendations = { Title: endpoint.RecommendationItems.map((id) => `Title ${id}`) };
      }
      return reply(res, 200, JSON.stringify(event.Endpoints), { "x-amz-executed-version": "$LATEST" });
    }
    case "boom":
      return reply(res, 200, JSON.stringify({ errorType: "TypeError", errorMessage: "no titles", trace: ["at handler"] }), {
        "x-amz-function-error": "Unhandled",
      });
    case "boom-once":
      if (n === 1)
        return reply(res, 200, JSON.stringify({ errorType: "Error", errorMessage: "cold start" }), { "x-amz-function-error": "Unhandled" });
      return reply(res, 200, JSON.stringify({ ok: n }));
    case "slow":
      return void setTimeout(() => reply(res, 200, "{}"), 2_000).unref();
    case "huge":
      return reply(res, 200, JSON.stringify({ blob: "x".repeat(7 * 1024 * 1024) }));
    case "garbage":
      return reply(res, 200, "this is not json");
    case "array":
      return reply(res, 200, "[1,2,3]");
    case "throttled":
      if (n <= 2) return awsError(res, 429, "TooManyRequestsException", "Rate exceeded");
      return reply(res, 200, JSON.stringify({ ok: n }));
    case "broken":
      return awsError(res, 500, "ServiceException", "Lambda is having a bad day");
    case "forbidden":
      return awsError(res, 403, "AccessDeniedException", "not allowed");
    default:
      return awsError(res, 404, "ResourceNotFoundException", `Function not found: arn:aws:lambda:us-east-1:111122223333:function:${name}`);
  }
}

let server: Server;
let endpoint: string;

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
  if (req.method !== "POST" || !match) return awsError(res, 404, "UnknownOperationException", "unknown operation");
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const functionName = decodeURIComponent(match[1]);
    const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as TransformerEvent;
    received.push({
      functionName,
      qualifier: url.searchParams.get("Qualifier"),
      authorization: String(req.headers.authorization),
      invocationType: req.headers["x-amz-invocation-type"] as string | undefined,
      event,
    });
    behave(functionName.split(":function:").pop()!, event, res);
  });
}

const credentials = { accessKeyId: "AKIDLAMBDATEST", secretAccessKey: "lambda-test-secret" };
let invoker: LambdaInvoker;

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  invoker = new LambdaInvoker({ endpoint, credentials, timeoutMs: 10_000 });
});
afterAll(async () => {
  await invoker.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received.length = 0;
  calls.clear();
});

async function failure(promise: Promise<unknown>): Promise<TransformerError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransformerError);
  return err as TransformerError;
}

describe("Lambda backend", () => {
  it("invokes synchronously with the event as JSON, signed for the project's region", async () => {
    const event = eventWith(50);
    const result = (await invoker.invoke(TENANT, "add-titles", event)) as Record<string, { Recommendations: { Title: string[] } }>;
    expect(Object.keys(result)).toHaveLength(50);
    expect(result["ep-7"].Recommendations.Title).toEqual(["Title 7", "Title 8", "Title 9"]);
    expect(received).toHaveLength(1);
    // A bare name is the caller's function: invoked by its full ARN, never looked up in the server's own account.
    expect(received[0]).toMatchObject({
      functionName: `arn:aws:lambda:us-east-1:${TENANT.accountId}:function:add-titles`,
      qualifier: null,
      invocationType: "RequestResponse",
      event,
    });
    expect(received[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLAMBDATEST\/\d{8}\/us-east-1\/lambda\/aws4_request, /);
  });

  it("passes an ARN's qualifier and signs for the ARN's region", async () => {
    const arn = "arn:aws:lambda:eu-west-1:111122223333:function:add-titles";
    await invoker.invoke(TENANT, `${arn}:prod`, eventWith(1));
    expect(received[0]).toMatchObject({ functionName: arn, qualifier: "prod" });
    expect(received[0].authorization).toMatch(/\/eu-west-1\/lambda\/aws4_request/);
  });

  it("never invokes another account's function unless the operator allows that account", async () => {
    const foreign = "arn:aws:lambda:us-east-1:999988887777:function:add-titles";
    const refused = await failure(invoker.invoke(TENANT, foreign, eventWith(1)));
    expect(refused.message).toMatch(/is a function of account 999988887777, not of the caller's account .*--allow-lambda-account/);
    expect(received).toHaveLength(0);
    const partial = await failure(invoker.invoke(TENANT, "999988887777:function:add-titles", eventWith(1)));
    expect(partial.message).toMatch(/is a function of account 999988887777/);
    expect(received).toHaveLength(0);
    const allowing = new LambdaInvoker({ endpoint, credentials, timeoutMs: 10_000, allowedAccounts: ["999988887777"] });
    try {
      await allowing.invoke(TENANT, foreign, eventWith(1));
      expect(received.map((r) => r.functionName)).toEqual([foreign]);
    } finally {
      await allowing.close();
    }
  });

  it("retries a function error, then reports it", async () => {
    const err = await failure(invoker.invoke(TENANT, "boom", eventWith(1)));
    expect(err.message).toBe("Transformer 'boom' failed: TypeError: no titles (after 3 attempts)");
    expect(calls.get("boom")).toBe(3);
    expect(await invoker.invoke(TENANT, "boom-once", eventWith(1))).toEqual({ ok: 2 });
  });

  it("times out a function that does not answer within the limit", async () => {
    const impatient = new LambdaInvoker({ endpoint, credentials, timeoutMs: 300 });
    try {
      const started = Date.now();
      const err = await failure(impatient.invoke(TENANT, "slow", eventWith(1)));
      expect(err.message).toBe("Transformer 'slow' timed out after 300 ms (after 3 attempts)");
      expect(calls.get("slow")).toBe(3);
      expect(Date.now() - started).toBeLessThan(3 * 300 + 300 + 1_500);
    } finally {
      await impatient.close();
    }
  });

  it("rejects a result over 6 MB, and garbage, without retrying", async () => {
    const huge = await failure(invoker.invoke(TENANT, "huge", eventWith(1)));
    expect(huge.message).toMatch(/^Transformer 'huge' returned 73400\d{2} bytes, more than Lambda's 6 MB \(6291456 bytes\) payload limit$/);
    expect(calls.get("huge")).toBe(1);
    expect((await failure(invoker.invoke(TENANT, "garbage", eventWith(1)))).message).toBe(
      "Transformer 'garbage' returned a payload that is not JSON",
    );
    expect((await failure(invoker.invoke(TENANT, "array", eventWith(1)))).message).toBe(
      "Transformer 'array' returned an array, not a JSON object of endpoints",
    );
    expect(calls.get("garbage")).toBe(1);
  });

  it("refuses an event over 6 MB without calling Lambda", async () => {
    const event = eventWith(1);
    event.Endpoints["ep-0"].Attributes = { Notes: ["x".repeat(6 * 1024 * 1024)] };
    expect((await failure(invoker.invoke(TENANT, "add-titles", event))).message).toMatch(/the event is \d+ bytes, more than Lambda's 6 MB/);
    expect(received).toHaveLength(0);
  });

  it("retries throttling and service errors, not an unknown function or a refusal", async () => {
    expect(await invoker.invoke(TENANT, "throttled", eventWith(1))).toEqual({ ok: 3 });
    const broken = await failure(invoker.invoke(TENANT, "broken", eventWith(1)));
    expect(broken.message).toBe(
      "Transformer 'broken' could not be invoked in AWS Lambda: ServiceException: Lambda is having a bad day (after 3 attempts)",
    );
    const missing = await failure(invoker.invoke(TENANT, "missing", eventWith(1)));
    expect(missing).toBeInstanceOf(FunctionNotFoundError);
    expect(missing.message).toBe(
      "Transformer 'missing' not found in AWS Lambda: ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:111122223333:function:missing",
    );
    const forbidden = await failure(invoker.invoke(TENANT, "forbidden", eventWith(1)));
    expect(forbidden.message).toBe("Transformer 'forbidden' could not be invoked in AWS Lambda: AccessDeniedException: not allowed");
    expect(calls.get("missing")).toBe(1);
    expect(calls.get("forbidden")).toBe(1);
  });

  it("retries when nothing listens at the endpoint", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = new LambdaInvoker({ endpoint: `http://127.0.0.1:${port}`, credentials, timeoutMs: 500 });
    try {
      const err = await failure(nowhere.invoke(TENANT, "add-titles", eventWith(1)));
      expect(err.message).toMatch(/^Transformer 'add-titles' could not be invoked in AWS Lambda: .*ECONNREFUSED.* \(after 3 attempts\)$/);
    } finally {
      await nowhere.close();
    }
  });

  it("refuses an invalid function name before calling Lambda", async () => {
    const err = await failure(invoker.invoke(TENANT, "../add-titles", eventWith(1)));
    expect(err.message).toMatch(/^Transformer '..\/add-titles' is not a Lambda function name or ARN/);
    expect(received).toHaveLength(0);
  });
});

describe("backend selection", () => {
  const dir = tempDir("pinrec-functions-");
  const functionsDir = join(dir.path, "functions");
  mkdirSync(functionsDir);
  writeFileSync(join(functionsDir, "add-titles.mjs"), `export const handler = async () => ({ ran: "locally" });`);
  afterAll(() => dir.remove());

  it("defaults to local, or to auto when a Lambda endpoint is set", () => {
    expect(chooseBackend({})).toBe("local");
    expect(chooseBackend({ lambdaEndpoint: "http://127.0.0.1:1" })).toBe("auto");
    expect(chooseBackend({ backend: "local", lambdaEndpoint: "http://127.0.0.1:1" })).toBe("local");
    expect(chooseBackend({ backend: "lambda" })).toBe("lambda");
  });

  it("auto runs the local function when there is one, and AWS Lambda otherwise", async () => {
    const router = new TransformerRouter({ functionsDir, lambdaEndpoint: endpoint, lambdaCredentials: credentials, workers: 1 });
    try {
      expect(router.describe()).toBe(`local functions from ${functionsDir}, else AWS Lambda (${endpoint})`);
      expect(await router.invoke(TENANT, "add-titles", eventWith(1))).toEqual({ ran: "locally" });
      expect(received).toHaveLength(0);
      expect(await router.invoke(TENANT, "throttled", eventWith(1))).toEqual({ ok: 3 });
      expect(received.map((r) => r.functionName)).toEqual(
        Array.from({ length: 3 }, () => `arn:aws:lambda:us-east-1:${TENANT.accountId}:function:throttled`),
      );
      const missing = await failure(router.invoke(TENANT, "missing", eventWith(1)));
      expect(missing.message).toMatch(/^Transformer 'missing' not found in AWS Lambda/);
    } finally {
      await router.close();
    }
  });

  it("local never calls Lambda, and lambda never runs a local function", async () => {
    const local = new TransformerRouter({ backend: "local", functionsDir, lambdaEndpoint: endpoint, workers: 1 });
    const lambda = new TransformerRouter({ backend: "lambda", functionsDir, lambdaEndpoint: endpoint, lambdaCredentials: credentials });
    try {
      expect((await failure(local.invoke(TENANT, "throttled", eventWith(1)))).message).toMatch(
        /^Transformer 'throttled' not found: no throttled\.mjs/,
      );
      expect(received).toHaveLength(0);
      const result = (await lambda.invoke(TENANT, "add-titles", eventWith(1))) as Record<string, unknown>;
      expect(result["ep-0"]).toHaveProperty("Recommendations");
      expect(lambda.describe()).toBe(`AWS Lambda (${endpoint})`);
      expect(new TransformerRouter({ backend: "lambda", functionsDir }).describe()).toBe("AWS Lambda (AWS's endpoint for each region)");
    } finally {
      await Promise.all([local.close(), lambda.close()]);
    }
  });
});
