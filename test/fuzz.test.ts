/**
 * Property-based robustness of the HTTP front against a real server (SQLite):
 * (a) random bodies, correctly signed, on Create/Update never cause a 5xx, every error has the AWS
 *     envelope, and the stored state equals exactly what the 2xx responses said;
 * (b) random methods, raw paths, query strings and headers (signed and unsigned) never cause a 5xx
 *     and never take the server down;
 * (c) header names (signed-header lists naming Object.prototype members), dot path segments (raw and
 *     percent-encoded) and dates (X-Amz-Date, PutEvents sentAt, EndpointRequest.EffectiveDate) are
 *     typed 4xx answers when wrong, and accepted exactly when valid.
 * Set FUZZ_SEED / FUZZ_RUNS to reproduce or widen a run.
 */
import net from "node:net";
import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CampaignTrainer } from "../src/personalize/campaigns/training.js";
import { synth } from "../src/engine/index.js";
import { ACCOUNT_A, ACCOUNT_B, CAMPAIGN, ROLE, startTestServer, tempDir, type TestServer } from "./helpers.js";
import { listAll, rawRequest, rfc3986, signRequest, signedCall, type RawResponse, type RawResult } from "./raw-http.js";

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : undefined;
const QUOTA = 40;

let server: TestServer;
let agent: http.Agent;
beforeAll(async () => {
  server = await startTestServer("sqlite", { recommenderQuota: QUOTA });
  agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
});
afterAll(async () => {
  agent?.destroy();
  await server?.dispose();
});

const host = () => `127.0.0.1:${server.port}`;

/** Text that must never reach a client: stack frames, source paths, module paths. */
const LEAK = /\n\s+at |^\s+at .+\(|node_modules|\/work\/|file:\/\/|\.[cm]?[jt]s:\d+|\bat (async )?[A-Za-z_.]+ \(/m;

/**
 * A 5xx is a server fault, except the honest 501 for an operation of a served API that pinrec does
 * not implement (random paths do reach those).
 */
function isServerFault(status: number, errorType: unknown): boolean {
  return status >= 500 && !(status === 501 && errorType === "NotImplementedException");
}

function describeResult(r: RawResult): string {
  return r.ok ? `${r.res.status} ${JSON.stringify(r.res.headers)} ${r.res.text.slice(0, 300)}` : `${r.error.code ?? ""} ${r.error.message}`;
}

/** The AWS error envelope (the `x-amzn-ErrorType` header the SDKs read the error code from): header code, JSON {Message, RequestID}, no internals. */
function expectAwsError(res: RawResponse, method: string, ctx: string) {
  const code = res.headers["x-amzn-errortype"];
  expect(typeof code === "string" && /^[A-Za-z]+$/.test(code), `x-amzn-ErrorType on ${ctx}`).toBe(true);
  const requestId = res.headers["x-amzn-requestid"];
  expect(typeof requestId, `x-amzn-RequestId on ${ctx}`).toBe("string");
  expect(LEAK.test(res.text), `internals leaked on ${ctx}`).toBe(false);
  if (method === "HEAD") return;
  expect(String(res.headers["content-type"]), ctx).toMatch(/^application\/json/);
  let body: unknown;
  expect(() => (body = JSON.parse(res.text)), `JSON error body on ${ctx}`).not.toThrow();
  const b = body as Record<string, unknown>;
  expect(typeof b.Message === "string" && b.Message.length > 0, `Message on ${ctx}`).toBe(true);
  expect(b.RequestID, `RequestID on ${ctx}`).toBe(requestId);
  expect(Object.keys(b).sort(), ctx).toEqual(["Message", "RequestID"]);
}

// ---------------------------------------------------------------------------------------------
// (a) bodies

const campaignName = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,20}$/);
const validUri = campaignName.map((n) => `arn:aws:personalize:us-east-1:111122223333:campaign/${n}`);
const validRole = fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,30}$/).map((n) => `arn:aws:iam::111122223333:role/${n}`);
const validName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,40}$/);
const validDisplay = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,24}$/);
const validAttrKey = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/).map((s) => `Recommendations.${s}`),
);
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    "",
    " ",
    "__proto__",
    "constructor",
    "PINPOINT_USER_ID",
    "arn:aws:lambda:us-east-1:111122223333:function:f",
    1.5,
    -1,
    0,
    5,
    6,
    2 ** 53,
    1e308,
    true,
    null,
    [],
    {},
  ),
);

const nonLambda = fc.record(
  {
    RecommendationProviderUri: validUri,
    RecommendationProviderRoleArn: validRole,
    RecommendationsDisplayName: validDisplay,
    Name: validName,
    Description: fc.stringMatching(/^[A-Za-z0-9 _;(),-]{0,60}$/),
    RecommendationProviderIdType: fc.constantFrom("PINPOINT_ENDPOINT_ID", "PINPOINT_USER_ID"),
    RecommendationsPerMessage: fc.integer({ min: 1, max: 5 }),
  },
  { requiredKeys: ["RecommendationProviderUri", "RecommendationProviderRoleArn", "RecommendationsDisplayName"] },
);
const lambda = fc.record(
  {
    RecommendationProviderUri: validUri,
    RecommendationProviderRoleArn: validRole,
    RecommendationTransformerUri: fc.constantFrom("enrich", "arn:aws:lambda:us-east-1:111122223333:function:enrich", "fn_1:$LATEST"),
    Attributes: fc.dictionary(validAttrKey, validDisplay, { minKeys: 1, maxKeys: 10 }),
    Name: validName,
    RecommendationsPerMessage: fc.integer({ min: 1, max: 5 }),
  },
  { requiredKeys: ["RecommendationProviderUri", "RecommendationProviderRoleArn", "RecommendationTransformerUri", "Attributes"] },
);
const FIELDS = [
  "RecommendationProviderUri",
  "RecommendationProviderRoleArn",
  "Name",
  "Description",
  "RecommendationProviderIdType",
  "RecommendationTransformerUri",
  "RecommendationsDisplayName",
  "RecommendationsPerMessage",
  "Attributes",
  "Unknown",
  "__proto__",
  "recommendationProviderUri",
];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), field: fc.constantFrom(...FIELDS), value: jsonish }),
  fc.record({ kind: fc.constant("delete" as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({
    kind: fc.constant("attrs" as const),
    value: fc.dictionary(
      fc.oneof(validAttrKey, fc.string({ maxLength: 60 }), fc.constantFrom("__proto__", "Recommendations.", "")),
      jsonish,
      { maxKeys: 12 },
    ),
  }),
);
/** A valid configuration with zero to two random mutations: roughly half are still valid. */
const configuration = fc.tuple(fc.oneof(nonLambda, lambda), fc.array(mutation, { maxLength: 2 })).map(([base, muts]) => {
  const doc: Record<string, unknown> = { ...base };
  for (const m of muts) {
    if (m.kind === "delete") delete doc[m.field];
    else if (m.kind === "set")
      Object.defineProperty(doc, m.field, { value: m.value, enumerable: true, writable: true, configurable: true });
    else doc.Attributes = m.value;
  }
  return doc;
});

const bodyArb: fc.Arbitrary<{ label: string; bytes: Buffer }> = fc.oneof(
  { weight: 6, arbitrary: configuration.map((c) => ({ label: "config", bytes: Buffer.from(JSON.stringify(c)) })) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((j) => ({ label: "json", bytes: Buffer.from(j) })) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map((s) => ({ label: "text", bytes: Buffer.from(s) })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ label: "bytes", bytes: Buffer.from(b) })) },
  {
    weight: 2,
    arbitrary: fc.tuple(configuration, fc.constantFrom("trunc", "trailing", "bom", "dup", "nest", "ws", "nul")).map(([c, how]) => {
      const j = JSON.stringify(c);
      const text =
        how === "trunc"
          ? j.slice(0, Math.max(1, j.length - 3))
          : how === "trailing"
            ? `${j} x`
            : how === "bom"
              ? `\uFEFF${j}`
              : how === "dup"
                ? j.replace(/^\{/, '{"RecommendationsPerMessage":99,')
                : how === "nest"
                  ? `${"[".repeat(5000)}${"]".repeat(5000)}`
                  : how === "ws"
                    ? " \n\t "
                    : `${j}\u0000`;
      return { label: how, bytes: Buffer.from(text) };
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("", "null", "[]", '"x"', "0", "{}", "true", "{", '{"a":')
      .map((s) => ({ label: "literal", bytes: Buffer.from(s) })),
  },
);
const contentType = fc.constantFrom<string | undefined>(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/x-amz-json-1.1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/json; charset=utf-16",
  undefined,
);

describe("(a) signed Create/Update with random bodies", () => {
  test("never 5xx, errors are AWS-shaped, and the store holds exactly what the 2xx responses said", async () => {
    /** id → the last successful response for it (201 create or 200 update). */
    const expected = new Map<string, Record<string, unknown>>();
    let created = 0;
    let updated = 0;
    let rejected = 0;

    const idArb = fc.oneof(
      fc.constant("__existing__"),
      fc.constant("__existing__"),
      fc.stringMatching(/^[0-9a-f]{32}$/),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
      fc.constantFrom("..", ".", "%", "a/b", "__proto__", "constructor", "x".repeat(2000)),
    );
    const target = fc.oneof(
      { weight: 3, arbitrary: fc.constant({ op: "create" as const, id: "" }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("update" as const), id: idArb, pick: fc.nat() }) },
    );

    await fc.assert(
      fc.asyncProperty(target, bodyArb, contentType, fc.boolean(), fc.boolean(), async (t, body, ct, sha, signLength) => {
        let id = "";
        if (t.op === "update") {
          id = t.id;
          if (id === "__existing__") {
            const ids = [...expected.keys()];
            id = ids.length ? ids[(t as { pick: number }).pick % ids.length] : "0123456789abcdef0123456789abcdef";
          }
        }
        const method = t.op === "create" ? "POST" : "PUT";
        const path = t.op === "create" ? "/v1/recommenders" : `/v1/recommenders/${rfc3986(id)}`;
        const headers: Record<string, string> = {};
        if (ct !== undefined) headers["content-type"] = ct;
        if (signLength && body.bytes.length > 0) headers["content-length"] = String(body.bytes.length);
        const s = await signRequest({ credential: ACCOUNT_A, host: host(), method, path, headers, body: body.bytes, contentSha256: sha });
        const r = await rawRequest({ port: server.port, method, path: s.path, headers: s.headers, body: body.bytes, agent });
        const ctx = `${method} ${path.slice(0, 80)} [${body.label}] ${body.bytes.toString("utf8").slice(0, 200)} -> ${describeResult(r)}`;
        expect(r.ok, ctx).toBe(true);
        if (!r.ok) return;
        const res = r.res;
        expect(res.status, ctx).toBeLessThan(500);
        expect(res.headers["x-amzn-requestid"], ctx).toBeTypeOf("string");
        if (res.status >= 400) {
          rejected++;
          expectAwsError(res, method, ctx);
          // A signature over a correct body is never what is wrong here.
          expect(res.status, ctx).not.toBe(403);
          return;
        }
        expect(res.status, ctx).toBe(t.op === "create" ? 201 : 200);
        const doc = JSON.parse(res.text) as Record<string, unknown>;
        const sent = JSON.parse(body.bytes.toString("utf8")) as Record<string, unknown>;
        expect(doc.RecommendationProviderUri, ctx).toBe(sent.RecommendationProviderUri);
        expect(doc.RecommendationProviderRoleArn, ctx).toBe(sent.RecommendationProviderRoleArn);
        for (const m of ["Name", "Description", "RecommendationsDisplayName", "RecommendationTransformerUri"]) {
          if (typeof sent[m] === "string") expect(doc[m], `${m}: ${ctx}`).toBe(sent[m]);
        }
        if (sent.Attributes && typeof sent.Attributes === "object") {
          // Accepted attributes come back exactly as sent. (A `__proto__` key is the known bug
          // pinned by its own test below, kept out of here so this property stays deterministic.)
          const keys = Object.keys(sent.Attributes).filter((k) => k !== "__proto__");
          expect(Object.keys(doc.Attributes as object).sort(), `Attributes: ${ctx}`).toEqual(keys.sort());
        }
        expect(doc.CreationDate, ctx).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        if (t.op === "create") {
          expect(doc.Id, ctx).toMatch(/^[0-9a-f]{32}$/);
          expect(expected.has(doc.Id as string), ctx).toBe(false);
          created++;
        } else {
          expect(doc.Id, ctx).toBe(id);
          expect(doc.CreationDate, ctx).toBe(expected.get(id)?.CreationDate);
          updated++;
        }
        expected.set(doc.Id as string, doc);
      }),
      { numRuns: RUNS ?? 1000, seed: SEED },
    );

    // Nothing half-written: the store holds exactly the configurations the 2xx responses described.
    const items = await listAll(server.port, ACCOUNT_A, 7);
    const byId = new Map(items.map((i) => [i.Id as string, i]));
    expect(byId.size, "list returned duplicates").toBe(items.length);
    expect([...byId.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, doc] of expected) expect(byId.get(id), id).toEqual(doc);
    // The run must have exercised both outcomes and the quota.
    expect(created).toBeGreaterThan(5);
    expect(rejected).toBeGreaterThan(20);
    expect(items.length).toBeLessThanOrEqual(QUOTA);
    console.log(`fuzz (a): ${created} created, ${updated} updated, ${rejected} rejected`);
  }, 60_000);

  // conform() copies map entries into a plain `{}`, where `out["__proto__"] = v` sets the prototype
  // instead of a key: the attribute silently disappears and an invalid name passes validation.
  test("an Attributes key `__proto__` is rejected, never silently dropped", async () => {
    const body = `{"RecommendationProviderUri":"${CAMPAIGN}","RecommendationProviderRoleArn":"${ROLE}","RecommendationTransformerUri":"enrich","Attributes":{"__proto__":"Sneaky","Recommendations.Title":"Title"}}`;
    // Account B: (a) fills account A's quota.
    const r = await signedCall(server.port, ACCOUNT_B, "POST", "/v1/recommenders", { body });
    if (r.status === 201) {
      await signedCall(server.port, ACCOUNT_B, "DELETE", `/v1/recommenders/${r.json.Id}`);
      expect.fail(`accepted with Attributes ${JSON.stringify(r.json.Attributes)}: the "__proto__" attribute was silently dropped`);
    }
    expect(r.status, r.text).toBe(400);
    expect(r.headers["x-amzn-errortype"]).toBe("BadRequestException");
    expect(r.json.Message).not.toMatch(/quota/);
  });

  test("an oversized body is a 413 PayloadTooLargeException, not a crash", async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const s = await signRequest({
      credential: ACCOUNT_A,
      host: host(),
      method: "POST",
      path: "/v1/recommenders",
      headers: { "content-type": "application/json" },
      body: big,
    });
    const r = await rawRequest({ port: server.port, method: "POST", path: s.path, headers: s.headers, body: big });
    // The server may answer before the whole body is sent; the client may then see EPIPE/ECONNRESET.
    if (r.ok) {
      expect(r.res.status).toBe(413);
      expectAwsError(r.res, "POST", "8 MiB body");
      expect(r.res.headers["x-amzn-errortype"]).toBe("PayloadTooLargeException");
    } else {
      expect(["EPIPE", "ECONNRESET"]).toContain(r.error.code);
    }
    const after = await signedCall(server.port, ACCOUNT_A, "GET", "/v1/recommenders");
    expect(after.status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) methods, raw paths, queries, headers

const STANDARD_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
const methodArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...STANDARD_METHODS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "TRACE",
      "PROPFIND",
      "SEARCH",
      "MKCOL",
      "COPY",
      "LOCK",
      "UNLOCK",
      "PURGE",
      "REPORT",
      "QUERY",
      "FOO",
      "get",
      "M-SEARCH",
    ),
  },
);

const specialSegment = fc.constantFrom(
  "..",
  ".",
  "",
  "%",
  "%2",
  "%2F",
  "%2f",
  "%00",
  "%ZZ",
  "%E0%A4%A",
  "%C3%A9",
  "%F0%9F%98%80",
  "%FF",
  "%C0%AF",
  "a%20b",
  "a+b",
  "~",
  "%25",
  "%252F",
  "__proto__",
  "constructor",
  "prototype",
  "*",
  ";",
  "a;b=c",
  ":",
  "@",
  "recommenders",
  "v1",
  "\u00e9",
  "\u00ff",
);
const segmentArb = fc.oneof(
  { weight: 4, arbitrary: specialSegment },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => encodeURIComponent(s)) },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 12 }).map((s) => s.replace(/[\s#?/]/g, "")) },
  // Long segments stay a short marker in counterexamples; `expand` turns them into the real thing.
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `<long:${n}>`) },
);
const expand = (s: string) => s.replace(/<long:(\d+)>/g, (_m, n: string) => "a".repeat(Number(n)));
const pathArb = fc.oneof(
  // Mostly the real resources, so requests get past routing and into SigV4 and the handlers.
  { weight: 3, arbitrary: fc.constant("/v1/recommenders") },
  { weight: 4, arbitrary: segmentArb.map((s) => `/v1/recommenders/${s}`) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom("", "/v1", "/v1/recommenders", "/v2", "//v1/recommenders", "/v1/recommenders/x"),
        fc.array(segmentArb, { maxLength: 3 }),
        fc.boolean(),
      )
      .map(([prefix, segs, trailing]) => `${prefix}${segs.map((s) => `/${s}`).join("")}${trailing ? "/" : ""}` || "/"),
  },
);

const queryPairs = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom("page-size", "token", "page-size", "next-token", "__proto__", "", "a b", "x"),
      fc.string({ unit: "grapheme", maxLength: 8 }),
    ),
    fc.oneof(
      fc.constantFrom("10", "0", "-1", "1e3", "999999999999", "eyJ2IjoxLCJsIjoicmVjb21tZW5kZXJzIiwiYSI6MH0", "eyJ2IjoxfQ", "", "%", "true"),
      fc.string({ unit: "grapheme", maxLength: 40 }),
    ),
  ),
  { maxLength: 4 },
);
/** Unsigned requests may also carry a raw, possibly malformed query string. */
const rawQuery = fc.oneof(
  fc.constantFrom("", "?", "?&&&", "?a=%", "?page-size=%zz", "?=x", "?token=a+b", "?page-size=1&page-size=2", "??x", "?%00=%00"),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }).map((s) => `?${s.replace(/[\s#]/g, "")}`),
);

const HEADER_NAMES = [
  "content-type",
  "accept",
  "accept-encoding",
  "content-encoding",
  "x-amz-date",
  "x-amz-content-sha256",
  "x-amz-security-token",
  "x-amz-user-agent",
  "amz-sdk-invocation-id",
  "amz-sdk-request",
  "origin",
  "access-control-request-method",
  "range",
  "if-none-match",
  "cookie",
  "x-forwarded-for",
  "x-amzn-errortype",
  "x-http-method-override",
  "x-amz-target",
  "content-md5",
  "authorization",
  "date",
];
const headerName = fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.stringMatching(/^x-[a-z0-9-]{1,20}$/));
const headerValue = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "application/json",
      "gzip",
      "*/*",
      "text/plain",
      "",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "UNSIGNED-PAYLOAD",
      "bytes=0-1",
      "20240301T101530Z",
      "20241399T256099Z",
    ),
  },
  { weight: 5, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 60 }).map((s) => s.trim()) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => `<long:${n}>`) },
);
const today = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
/** A structurally plausible but wrong AWS4 Authorization header, to reach deep into the verifier. */
const authArb = fc
  .record({
    key: fc.constantFrom(ACCOUNT_A.accessKeyId, "AKIAUNKNOWN000000000", ""),
    date: fc.constantFrom("today", "20000101", "2024", "99999999"),
    region: fc.constantFrom("us-east-1", "eu-west-1", "", "US_EAST_1", "a".repeat(40)),
    service: fc.constantFrom("mobiletargeting", "pinpoint", "s3", ""),
    signed: fc.constantFrom(
      "host;x-amz-date",
      "host",
      "x-amz-date",
      "content-type;host;x-amz-date",
      "authorization;host;x-amz-date",
      "host;x-amz-date;x-missing",
      "HOST;X-AMZ-DATE",
      "",
      "host;host;x-amz-date",
    ),
    sig: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.constantFrom("", "zz", "0".repeat(63))),
    amzDate: fc.constantFrom("now", "20000101T000000Z", "garbage", "20241399T256099Z", undefined),
  })
  .map((a) => {
    const now = today();
    const date = a.date === "today" ? now.slice(0, 8) : a.date;
    const headers: Record<string, string> = {
      authorization: `AWS4-HMAC-SHA256 Credential=${a.key}/${date}/${a.region}/${a.service}/aws4_request, SignedHeaders=${a.signed}, Signature=${a.sig}`,
    };
    if (a.amzDate !== undefined) headers["x-amz-date"] = a.amzDate === "now" ? now : a.amzDate;
    return headers;
  });

const FORBIDDEN_RANDOM_HEADERS = new Set([
  "content-length",
  "transfer-encoding",
  "host",
  "connection",
  "expect",
  "upgrade",
  "te",
  "trailer",
  "keep-alive",
]);

const requestArb = fc.record({
  method: methodArb,
  path: pathArb,
  signed: fc.boolean(),
  pairs: queryPairs,
  raw: rawQuery,
  useRawQuery: fc.boolean(),
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 5 }),
  auth: fc.option(authArb, { nil: undefined }),
  body: fc.option(fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 50 })), { nil: undefined, freq: 2 }),
  /** Mostly node:http; sometimes a plain socket with an absolute-form target or raw UTF-8 in the path. */
  transport: fc.constantFrom("http", "http", "http", "http", "http", "http", "http", "http", "absolute", "utf8"),
  utf8Path: fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
});

/** Sends bytes over a plain socket (for request lines node:http refuses to build) and reads the status line. */
function socketRequest(port: number, head: string, body?: Buffer): Promise<{ status?: number; text: string; error?: string }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(new Error("timeout")), 10_000);
    sock.on("connect", () => {
      sock.write(Buffer.from(head, "utf8"));
      if (body) sock.write(body);
      sock.end();
    });
    sock.on("data", (c) => chunks.push(c));
    const finish = (error?: string) => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, error });
    };
    sock.on("end", () => finish());
    sock.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
  });
}

const CLIENT_SIDE_REFUSALS = new Set([
  "ERR_INVALID_CHAR",
  "ERR_UNESCAPED_CHARACTERS",
  "ERR_INVALID_HTTP_TOKEN",
  "ERR_HTTP_INVALID_HEADER_VALUE",
  "ERR_INVALID_ARG_VALUE",
]);

describe("(b) random methods, paths, queries and headers", () => {
  test("never 5xx; well-formed requests always get the AWS envelope on errors; the server keeps answering", async () => {
    const statuses = new Map<number, number>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(requestArb, async (q) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(q.headers)) if (!FORBIDDEN_RANDOM_HEADERS.has(k)) headers[k] = expand(v);
        if (q.auth && !q.signed) Object.assign(headers, q.auth);
        const body = q.body === undefined ? undefined : Buffer.from(q.body);
        const path = expand(q.path);
        let rawPathQuery: string;
        let finalHeaders: Record<string, string>;
        if (q.signed) {
          delete headers.authorization;
          delete headers["x-amz-date"];
          const s = await signRequest({ credential: ACCOUNT_A, host: host(), method: q.method, path, query: q.pairs, headers, body });
          rawPathQuery = s.path;
          finalHeaders = s.headers;
        } else {
          rawPathQuery = q.useRawQuery
            ? path + q.raw
            : path + (q.pairs.length ? `?${q.pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join("&")}` : "");
          finalHeaders = headers;
        }
        const headerBytes = Object.entries(finalHeaders).reduce((n, [k, v]) => n + k.length + v.length + 4, rawPathQuery.length);
        // Node's parser rejects non-ASCII request targets and over-long heads itself (plain 400/431
        // without the AWS envelope); everything else is answered by the application.
        const wellFormed =
          STANDARD_METHODS.includes(q.method) &&
          /^[\x21-\x7e]*$/.test(rawPathQuery) &&
          headerBytes < 15_000 &&
          rawPathQuery.startsWith("/");
        const ctx = `${q.signed ? "signed " : ""}${q.method} ${rawPathQuery.slice(0, 200)} ${JSON.stringify(finalHeaders).slice(0, 400)}`;
        sent++;

        // Requests Node's own parser rejects (odd methods, non-ASCII targets, heads over 16 KiB) are
        // answered by Fastify's default client-error handler, which drops the connection without
        // `Connection: close`; they go over a plain socket so that cannot poison a pooled one.
        if (q.transport !== "http" || !wellFormed) {
          // Raw bytes: UTF-8 straight in the request line, lower-case methods, absolute-form targets.
          const target =
            q.transport === "utf8"
              ? `/v1/recommenders/${q.utf8Path}`
              : q.transport === "absolute"
                ? `http://example.com${rawPathQuery}`
                : rawPathQuery;
          const head =
            `${q.method} ${target} HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n` +
            Object.entries(finalHeaders)
              .filter(([k]) => k !== "host")
              .map(([k, v]) => `${k}: ${v}\r\n`)
              .join("") +
            (body ? `Content-Length: ${body.length}\r\n` : "") +
            "\r\n";
          const r = await socketRequest(server.port, head, body);
          const c = `${ctx} (socket ${target.slice(0, 80)}) -> ${r.status} ${r.error ?? ""} ${r.text.slice(0, 300)}`;
          expect(r.status, c).toBeDefined();
          expect(
            isServerFault(
              r.status!,
              /\r\nx-amzn-ErrorType: NotImplementedException\r\n/i.test(r.text) ? "NotImplementedException" : undefined,
            ),
            c,
          ).toBe(false);
          expect(LEAK.test(r.text), c).toBe(false);
          statuses.set(r.status!, (statuses.get(r.status!) ?? 0) + 1);
          return;
        }

        const r = await rawRequest({
          port: server.port,
          method: q.method,
          path: rawPathQuery,
          headers: finalHeaders,
          body,
          agent,
          timeoutMs: 10_000,
        });
        if (!r.ok && !r.gotResponse && CLIENT_SIDE_REFUSALS.has(String(r.error.code))) return; // node:http would not send it
        expect(r.ok, `${ctx} -> ${describeResult(r)}`).toBe(true);
        if (!r.ok) return;
        const c = `${ctx} -> ${describeResult(r)}`;
        statuses.set(r.res.status, (statuses.get(r.res.status) ?? 0) + 1);
        expect(isServerFault(r.res.status, r.res.headers["x-amzn-errortype"]), c).toBe(false);
        expect(LEAK.test(r.res.text), c).toBe(false);
        if (q.signed && r.res.status === 403) {
          // A request signed by the SDK's own signer must verify, whatever it carries. The only
          // legitimate 403 is a random x-amz-content-sha256 that does not match the body.
          // (`__proto__` as a query key is a known verifier bug with its own test below.)
          // Fastify never reads a GET/HEAD body, so the verifier hashes an empty one: such requests
          // are refused (safely) even when signed over their body. No SDK sends one.
          const knownBug =
            q.pairs.some(([k]) => k === "__proto__") ||
            ((q.method === "GET" || q.method === "HEAD") && body !== undefined && body.length > 0);
          const badHash = "x-amz-content-sha256" in finalHeaders && /does not match the request body/.test(r.res.text);
          // pinrec issues no session tokens, so any X-Amz-Security-Token is an unknown one.
          const sessionToken =
            "x-amz-security-token" in finalHeaders && r.res.headers["x-amzn-errortype"] === "UnrecognizedClientException";
          if (!knownBug && !badHash && !sessionToken) expect.fail(`a correctly signed request was rejected: ${c}`);
        }
        if (r.res.status >= 400 && wellFormed) expectAwsError(r.res, q.method, c);
      }),
      { numRuns: RUNS ?? 1500, seed: SEED },
    );
    console.log(`fuzz (b): ${sent} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    // The generator must reach the application, including past SigV4.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect(statuses.get(403) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);

    // Still alive and still correct.
    const list = await signedCall(server.port, ACCOUNT_A, "GET", "/v1/recommenders");
    expect(list.status).toBe(200);
    const create = await signedCall(server.port, ACCOUNT_A, "POST", "/v1/recommenders", {
      body: { RecommendationProviderUri: CAMPAIGN, RecommendationProviderRoleArn: ROLE, RecommendationsDisplayName: "after fuzz" },
    });
    expect([201, 400]).toContain(create.status); // 400 only if the quota is full
  }, 60_000);

  // The verifier copies the query into a plain `{}`, where `query["__proto__"] = v` sets the
  // prototype instead of a key, so the parameter drops out of the canonical query it signs.
  test("a correctly signed request with a `__proto__` query parameter verifies", async () => {
    const r = await signedCall(server.port, ACCOUNT_A, "GET", "/v1/recommenders", { query: [["__proto__", "x"]] });
    expect(r.status, r.text).toBe(200);
    const r2 = await signedCall(server.port, ACCOUNT_A, "GET", "/v1/recommenders", {
      query: [
        ["__proto__", "x"],
        ["__proto__", "y"],
      ],
    });
    expect(r2.status, r2.text).toBe(200);
  });

  // Routing comes first: an unknown method on a known path is MethodNotAllowedException (405), and
  // every error carries the envelope SDKs parse. Methods Fastify knows but the catch-all route does
  // not list fall through to Fastify's default 404 handler today.
  test.each(["TRACE", "PROPFIND", "SEARCH"])("%s on a known path is an AWS-shaped 405", async (method) => {
    const r = await rawRequest({ port: server.port, method, path: "/v1/recommenders" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.res.status, r.res.text).toBe(405);
    expectAwsError(r.res, method, `${method} /v1/recommenders -> ${r.res.text}`);
    expect(r.res.headers["x-amzn-errortype"]).toBe("MethodNotAllowedException");
  });

  test("an unknown method on an unknown path is an AWS-shaped 404", async () => {
    const r = await rawRequest({ port: server.port, method: "PROPFIND", path: "/nowhere" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.res.status).toBe(404);
    expectAwsError(r.res, "PROPFIND", `PROPFIND /nowhere -> ${r.res.text}`);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) header names, path segments and dates

/** Names on Object.prototype (lower case, as SigV4 lists them) plus ordinary and random ones. */
const PROTOTYPE_NAMES = [
  "constructor",
  "__proto__",
  "tostring",
  "valueof",
  "hasownproperty",
  "isprototypeof",
  "propertyisenumerable",
  "__definegetter__",
  "__lookupgetter__",
  "tolocalestring",
];
const signedHeaderName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom("host", "x-amz-date", "content-type", "x-amz-content-sha256", "x-missing") },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9_.-]{1,20}$/) },
);

describe("(c) header names, path segments and dates", () => {
  test("signed-header lists naming prototype members or absent headers are typed 403s", async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(signedHeaderName, { minLength: 1, maxLength: 6 }), fc.boolean(), async (names, withBase) => {
        const list = (withBase ? [...names, "host", "x-amz-date"] : names).join(";");
        const now = new Date()
          .toISOString()
          .replace(/[-:]/g, "")
          .replace(/\.\d{3}/, "");
        const r = await rawRequest({
          port: server.port,
          method: "GET",
          path: "/v1/recommenders",
          agent,
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT_A.accessKeyId}/${now.slice(0, 8)}/us-east-1/mobiletargeting/aws4_request, SignedHeaders=${list}, Signature=${"ab".repeat(32)}`,
            "x-amz-date": now,
          },
        });
        sent++;
        const c = `SignedHeaders=${list} -> ${describeResult(r)}`;
        expect(r.ok, c).toBe(true);
        if (!r.ok) return;
        expect(r.res.status, c).toBe(403);
        expectAwsError(r.res, "GET", c);
        expect(["InvalidSignatureException", "IncompleteSignatureException"], c).toContain(r.res.headers["x-amzn-errortype"]);
      }),
      { numRuns: RUNS ?? 200, seed: SEED },
    );
    expect(sent).toBeGreaterThan(0);
  }, 120_000);

  test("correctly signed requests carrying headers named after prototype members verify", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(
          PROTOTYPE_NAMES.filter((n) => n !== "__proto__"),
          { minLength: 1 },
        ),
        async (names) => {
          const headers = Object.fromEntries(names.map((n) => [n, `v-${n}`]));
          const s = await signRequest({ credential: ACCOUNT_A, host: host(), method: "GET", path: "/v1/recommenders", headers });
          const r = await rawRequest({ port: server.port, method: "GET", path: s.path, headers: s.headers, agent });
          expect(r.ok && r.res.status, `${names.join(",")} -> ${describeResult(r)}`).toBe(200);
        },
      ),
      { numRuns: RUNS ? Math.min(RUNS, 100) : 60, seed: SEED },
    );
  }, 120_000);

  const dotSegment = fc.constantFrom(".", "..", "%2e", "%2E", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%2E.");
  const plainSegment = fc.oneof(
    fc.constantFrom("...", ".x", "x.", "a..b", "%2e%2e%2e", "v1.2", "%2Fx", "x"),
    fc.stringMatching(/^[a-z0-9]{1,8}$/),
  );

  test("a path with a dot segment anywhere is a 400 before routing or authentication; one without is never refused for it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "DELETE", "PUT", "POST"),
        fc.array(fc.oneof({ weight: 1, arbitrary: dotSegment }, { weight: 3, arbitrary: plainSegment }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom("/v1/apps", "/v1/recommenders", "/v1/templates", "/events", "/recommendations"),
        fc.boolean(),
        async (method, segments, prefix, signed) => {
          const path = `${prefix}/${segments.join("/")}`;
          const hasDot = segments.some((seg) => {
            const decoded = decodeURIComponent(seg);
            return decoded === "." || decoded === "..";
          });
          const s = signed ? await signRequest({ credential: ACCOUNT_A, host: host(), method, path }) : { path, headers: { host: host() } };
          const r = await rawRequest({ port: server.port, method, path: s.path, headers: s.headers, agent });
          const c = `${signed ? "signed " : ""}${method} ${path} -> ${describeResult(r)}`;
          expect(r.ok, c).toBe(true);
          if (!r.ok) return;
          expect(r.res.status, c).toBeLessThan(500);
          const refusedForDots = /must not contain '\.' or '\.\.' segments/.test(r.res.text);
          expect(refusedForDots, c).toBe(hasDot);
          if (hasDot) expect(r.res.status, c).toBe(400);
        },
      ),
      { numRuns: RUNS ?? 200, seed: SEED },
    );
  }, 120_000);

  test("X-Amz-Date values of every shape are typed 403s unless they are now", async () => {
    const amzDate = fc.oneof(
      fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) =>
        d
          .toISOString()
          .replace(/[-:]/g, "")
          .replace(/\.\d{3}/, ""),
      ),
      fc.stringMatching(/^\d{8}T\d{6}Z$/),
      fc.constantFrom("99999999T999999Z", "00000000T000000Z", "20240230T250000Z", "", "garbage", "1e13"),
    );
    await fc.assert(
      fc.asyncProperty(amzDate, async (value) => {
        const day = /^\d{8}/.exec(value)?.[0] ?? "20240101";
        const r = await rawRequest({
          port: server.port,
          method: "GET",
          path: "/v1/recommenders",
          agent,
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT_A.accessKeyId}/${day}/us-east-1/mobiletargeting/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"cd".repeat(32)}`,
            "x-amz-date": value,
          },
        });
        const c = `X-Amz-Date ${value} -> ${describeResult(r)}`;
        expect(r.ok, c).toBe(true);
        if (!r.ok) return;
        expect(r.res.status, c).toBe(403);
        expectAwsError(r.res, "GET", c);
      }),
      { numRuns: RUNS ?? 200, seed: SEED },
    );
  }, 120_000);

  describe("dates in bodies", () => {
    const data = tempDir("pinrec-fuzz-data-");
    let trackingId: string;
    let appId: string;
    beforeAll(async () => {
      const files = await synth({ users: 30, items: 15, interactions: 300, seed: 5, outDir: data.path });
      const campaign = await new CampaignTrainer(server.store).create({
        tenant: { accountId: ACCOUNT_A.accountId, region: "us-east-1" },
        name: "fuzz-events",
        interactionsFile: files.interactionsPath,
        seed: 1,
      });
      trackingId = campaign.trackingId;
      const app = await signedCall(server.port, ACCOUNT_A, "POST", "/v1/apps", { body: { Name: "fuzz-dates" } });
      appId = app.json.Id;
    });
    afterAll(() => data.remove());

    const MAX_SECONDS = 253_402_300_799.999;
    const sentAt = fc.oneof(
      fc.double({ noNaN: true }),
      fc.integer({ min: -1e10, max: 1e13 }),
      fc.constantFrom(
        0,
        -0,
        1e13,
        -1e13,
        8.64e12,
        8.64e12 + 1,
        MAX_SECONDS,
        MAX_SECONDS + 0.001,
        1e308,
        -1e308,
        Number.MAX_SAFE_INTEGER,
        5e-324,
      ),
      fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom("", "now", "2024-02-30", "+275760-09-13T00:00:00.000Z", "-271821-04-20T00:00:00.000Z", "1e13", "0"),
    );

    test("PutEvents sentAt: 200 exactly when it is an instant from 1970 to 9999, else 400 InvalidInputException", async () => {
      await fc.assert(
        fc.asyncProperty(sentAt, async (value) => {
          const body = JSON.stringify({
            trackingId,
            sessionId: "s",
            userId: "fuzz-user",
            eventList: [{ eventType: "click", itemId: "i1", sentAt: value }],
          });
          const s = await signRequest({
            credential: ACCOUNT_A,
            host: host(),
            method: "POST",
            path: "/events",
            service: "personalize",
            headers: { "content-type": "application/json" },
            body,
          });
          const r = await rawRequest({ port: server.port, method: "POST", path: s.path, headers: s.headers, body: s.body, agent });
          const c = `sentAt ${JSON.stringify(value)} -> ${describeResult(r)}`;
          expect(r.ok, c).toBe(true);
          if (!r.ok) return;
          const ms = typeof value === "number" ? value * 1000 : Date.parse(value);
          const valid = Number.isFinite(ms) && ms >= 0 && ms <= Date.UTC(9999, 11, 31, 23, 59, 59, 999);
          expect(r.res.status, c).toBe(valid ? 200 : 400);
          if (!valid) {
            expect(r.res.headers["x-amzn-errortype"], c).toBe("InvalidInputException");
            expect(LEAK.test(r.res.text), c).toBe(false);
          }
        }),
        { numRuns: RUNS ?? 200, seed: SEED },
      );
    }, 120_000);

    test("EndpointRequest.EffectiveDate: 202 exactly when it is an ISO 8601 date from 1970 to 9999, else a 400 naming it", async () => {
      // Each value comes with whether it is valid, known from how it was made, not from the server's reader.
      const inRange = (d: Date) => d.getTime() >= 0 && d.getTime() <= Date.UTC(9999, 11, 31, 23, 59, 59, 999);
      const effective = fc.oneof(
        fc
          .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
          .map((d) => ({ value: d.toISOString(), valid: inRange(d) })),
        // Random text that does not start like a date is never one (Date.parse would take "1" or "May 5").
        fc
          .string({ maxLength: 30 })
          .filter((v) => !/^\d{4}-/.test(v))
          .map((value) => ({ value, valid: false })),
        fc.constantFrom(
          { value: "9999-12-31T23:59:59.999Z", valid: true },
          { value: "2024-02-29", valid: true },
          { value: "2024-02-29T10:00:00+05:30", valid: true },
          { value: "+275760-09-13T00:00:00.000Z", valid: false },
          { value: "10000-01-01T00:00:00Z", valid: false },
          { value: "1969-12-31T23:59:59Z", valid: false },
          { value: "2023-02-29T00:00:00Z", valid: false },
          { value: "2024-02-30", valid: false },
          { value: "2024-01-01T24:00:00Z", valid: false },
          { value: "1", valid: false },
        ),
      );
      let i = 0;
      await fc.assert(
        fc.asyncProperty(effective, async ({ value, valid }) => {
          const r = await signedCall(server.port, ACCOUNT_A, "PUT", `/v1/apps/${appId}/endpoints/e${i++ % 20}`, {
            body: { ChannelType: "CUSTOM", Address: "x", EffectiveDate: value },
            agent,
          });
          const c = `EffectiveDate ${JSON.stringify(value)} -> ${r.status} ${r.text}`;
          expect(r.status, c).toBe(valid ? 202 : 400);
          if (r.status === 400) expect(r.json.Message, c).toMatch(/EffectiveDate/);
          expect(LEAK.test(r.text), c).toBe(false);
        }),
        { numRuns: RUNS ?? 200, seed: SEED },
      );
    }, 120_000);
  });
});
