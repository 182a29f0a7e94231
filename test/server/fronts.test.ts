/**
 * The two fronts of the AWS APIs answer alike: a request without a body is answered by the lean
 * front (server/aws-front.ts), the same request with an empty chunked body goes through Fastify.
 * Status, headers, body, the log line and the metrics must not tell them apart.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CAMPAIGN, ROLE, startTestServer, type TestServer } from "../helpers.js";
import { rawRequest, type RawResponse } from "../signing.js";

const lines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

/** Headers that differ between any two responses (time, request id, framing of the connection). */
const VARYING = new Set(["date", "x-amzn-requestid", "connection", "keep-alive"]);
const comparable = (res: RawResponse) => ({
  status: res.status,
  headers: Object.fromEntries(Object.entries(res.headers).filter(([k]) => !VARYING.has(k))),
  json: res.json && { ...res.json, RequestID: res.json.RequestID === undefined ? undefined : "(request id)" },
});

describe("lean front and Fastify answer alike", () => {
  let server: TestServer;
  let id: string;
  beforeAll(async () => {
    server = await startTestServer("sqlite", { logger: { level: "info", stream: logStream } as never });
    const body = JSON.stringify({ Name: "fronts", RecommendationProviderUri: CAMPAIGN, RecommendationProviderRoleArn: ROLE, RecommendationsDisplayName: "Top" });
    id = (await rawRequest(server, { method: "POST", path: "/v1/recommenders", body })).json.Id;
  });
  afterAll(async () => {
    await server.dispose();
  });

  /** The same signed request, once without a body (lean front) and once with an empty chunked body (Fastify). */
  async function both(method: string, path: string, extra: { credential?: false; headers?: Record<string, string> } = {}) {
    const lean = await rawRequest(server, { method, path, ...extra });
    const viaFastify = await rawRequest(server, { method, path, ...extra, headers: { ...extra.headers, "transfer-encoding": "chunked" } });
    return { lean, viaFastify };
  }

  const cases: [string, string, string, { credential?: false; headers?: Record<string, string> }?][] = [
    ["a read", "GET", "/v1/recommenders/{id}"],
    ["a list", "GET", "/v1/recommenders"],
    ["a missing resource", "GET", "/v1/recommenders/nope"],
    ["an unknown path", "GET", "/v1/nothing/here"],
    ["a method the path does not answer", "PATCH", "/v1/recommenders/{id}"],
    ["an operation pinrec does not serve", "GET", "/v1/apps/x/journeys"],
    ["an unsigned request", "GET", "/v1/recommenders/{id}", { credential: false }],
    ["a Personalize runtime path", "GET", "/recommendations"],
  ];
  for (const [what, method, pathPattern, extra] of cases) {
    test(`${what}: same status, headers and body`, async () => {
      const { lean, viaFastify } = await both(method, pathPattern.replace("{id}", id), extra);
      expect(comparable(lean)).toEqual(comparable(viaFastify));
    });
  }

  test("a read writes the same log line and counts the same metric on either front", async () => {
    lines.length = 0;
    const { lean, viaFastify } = await both("GET", `/v1/recommenders/${id}`);
    const requestLines = lines.filter((l) => l.msg === "request");
    const ids = [lean, viaFastify].map((r) => r.headers["x-amzn-requestid"]);
    const [leanLine, fastifyLine] = ids.map((rid) => requestLines.find((l) => l.requestId === rid));
    const shape = (l: Record<string, unknown> | undefined) => l && { ...l, requestId: undefined, time: undefined, ms: typeof l.ms };
    expect(shape(leanLine)).toEqual(shape(fastifyLine));
    expect(leanLine).toMatchObject({ method: "GET", operation: "GetRecommenderConfiguration", account: "111122223333", status: 200, ms: expect.any(Number) });

    const metric = async () => {
      const text = (await rawRequest(server, { method: "GET", path: "/metrics", credential: false })).text;
      const line = text.split("\n").find((l) => l.startsWith("pinrec_requests_total{") && l.includes('operation="GetRecommenderConfiguration"') && l.includes('status="200"'));
      return Number(line?.split(" ").pop() ?? 0);
    };
    const before = await metric();
    await both("GET", `/v1/recommenders/${id}`);
    expect((await metric()) - before).toBe(2);
  });
});
