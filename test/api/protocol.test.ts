/** The HTTP contract around every operation: routing, body handling, CORS, envelopes, faults. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CAMPAIGN, ROLE, startTestServer, type TestServer } from "../helpers.js";
import { expectPinpointError, rawRequest } from "../signing.js";

const valid = JSON.stringify({
  RecommendationProviderUri: CAMPAIGN,
  RecommendationProviderRoleArn: ROLE,
  RecommendationsDisplayName: "Top",
});

describe("protocol", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
  });

  const count = async () => (await rawRequest(server, { method: "GET", path: "/v1/recommenders" })).json.Item.length;

  test("malformed JSON is a 400 BadRequestException in the Pinpoint envelope", async () => {
    for (const body of ["{", '{"Name":}', "nul", "\u0000\u0001", '{"a":1}}']) {
      const res = await rawRequest(server, { method: "POST", path: "/v1/recommenders", body });
      expectPinpointError(res, 400, "BadRequestException");
    }
    expect(await count()).toBe(0);
  });

  test("JSON of the wrong type is a 400 naming the member", async () => {
    const cases: [unknown, RegExp][] = [
      [[], /JSON object/],
      ["text", /JSON object/],
      [42, /JSON object/],
      [{ ...JSON.parse(valid), Name: 5 }, /'Name'.*string/],
      [{ ...JSON.parse(valid), RecommendationsPerMessage: "3" }, /'RecommendationsPerMessage'.*number/],
      [{ ...JSON.parse(valid), Attributes: ["a"] }, /'Attributes'.*object/],
      [{ ...JSON.parse(valid), Attributes: { a: 1 } }, /'Attributes.a'.*string/],
      [{ RecommendationProviderRoleArn: ROLE }, /RecommendationProviderUri/],
    ];
    for (const [body, message] of cases) {
      const res = await rawRequest(server, { method: "POST", path: "/v1/recommenders", body: JSON.stringify(body) });
      expectPinpointError(res, 400, "BadRequestException");
      expect(res.json.Message).toMatch(message);
    }
    expect(await count()).toBe(0);
  });

  test("an empty body on Create counts as {} and fails the required-member check", async () => {
    const res = await rawRequest(server, { method: "POST", path: "/v1/recommenders", body: "" });
    expectPinpointError(res, 400, "BadRequestException");
    expect(res.json.Message).toMatch(/Missing required member/);
  });

  test("unknown routes are 404 and wrong methods 405 with Allow", async () => {
    expectPinpointError(await rawRequest(server, { method: "GET", path: "/v1/nothing-here" }), 404, "NotFoundException");
    expectPinpointError(await rawRequest(server, { method: "GET", path: "/" }), 404, "NotFoundException");
    expectPinpointError(await rawRequest(server, { method: "GET", path: "/v1/recommenders/a/b" }), 404, "NotFoundException");
    const res = await rawRequest(server, { method: "PATCH", path: "/v1/recommenders", body: "{}" });
    expectPinpointError(res, 405, "MethodNotAllowedException");
    expect(String(res.headers.allow).split(", ").sort()).toEqual(["GET", "POST"]);
    const res2 = await rawRequest(server, { method: "POST", path: "/v1/recommenders/abc", body: valid });
    expectPinpointError(res2, 405, "MethodNotAllowedException");
    expect(String(res2.headers.allow).split(", ").sort()).toEqual(["DELETE", "GET", "PUT"]);
  });

  test("OPTIONS answers a CORS preflight without authentication", async () => {
    for (const [path, methods] of [
      ["/v1/recommenders", ["GET", "OPTIONS", "POST"]],
      ["/v1/recommenders/some-id", ["DELETE", "GET", "OPTIONS", "PUT"]],
    ] as const) {
      const res = await rawRequest(server, {
        method: "OPTIONS",
        path,
        credential: false,
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      });
      expect(res.status).toBe(200);
      expect(res.text).toBe("");
      expect(res.headers["access-control-allow-origin"]).toBe("*");
      expect(String(res.headers["access-control-allow-methods"]).split(",").sort()).toEqual([...methods]);
      expect(String(res.headers["access-control-allow-headers"])).toContain("x-amz-date");
    }
    expectPinpointError(await rawRequest(server, { method: "OPTIONS", path: "/v1/unknown", credential: false }), 404, "NotFoundException");
  });

  test("a body over 7 MB is 413 PayloadTooLargeException", async () => {
    const big = JSON.stringify({ ...JSON.parse(valid), Description: "x".repeat(7 * 1024 * 1024) });
    const res = await rawRequest(server, { method: "POST", path: "/v1/recommenders", body: big });
    expectPinpointError(res, 413, "PayloadTooLargeException");
    expect(await count()).toBe(0);
  });

  test("success responses carry the request id and CORS header", async () => {
    const res = await rawRequest(server, { method: "POST", path: "/v1/recommenders", body: valid });
    expect(res.status).toBe(201);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    const del = await rawRequest(server, { method: "DELETE", path: `/v1/recommenders/${res.json.Id}` });
    expect(del.status).toBe(200);
  });

  test("percent-encoded path labels are decoded per segment after splitting", async () => {
    const res = await rawRequest(server, { method: "GET", path: "/v1/recommenders/id%2Fwith%20slash" });
    expectPinpointError(res, 404, "NotFoundException");
    expect(res.json.Message).toContain("'id/with slash'");
    expectPinpointError(await rawRequest(server, { method: "GET", path: "/v1/recommenders/%E0%A4%A" }), 400, "BadRequestException");
  });
});

describe("throttling", () => {
  test("per-account rate limits answer 429 TooManyRequestsException; other accounts are unaffected", async () => {
    const server = await startTestServer("sqlite", { rateLimit: 5 });
    try {
      // All at once, so the bucket's refill (5 a second) cannot hide the limit on a slow machine.
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => rawRequest(server, { method: "GET", path: "/v1/recommenders" })),
      );
      const ok = responses.filter((r) => r.status === 200).length;
      expect(ok).toBeGreaterThanOrEqual(5);
      expect(ok).toBeLessThan(9);
      const limited = responses.find((r) => r.status !== 200)!;
      expectPinpointError(limited, 429, "TooManyRequestsException");
      const { ACCOUNT_B } = await import("../helpers.js");
      expect((await rawRequest(server, { method: "GET", path: "/v1/recommenders", credential: ACCOUNT_B })).status).toBe(200);
    } finally {
      await server.dispose();
    }
  });
});

describe("faults", () => {
  test("an unexpected failure is a 500 InternalServerErrorException with no internals", async () => {
    const server = await startTestServer("sqlite");
    try {
      // A real fault: the database goes away underneath a running server.
      await server.store.close();
      const res = await rawRequest(server, { method: "GET", path: "/v1/recommenders/abc" });
      expectPinpointError(res, 500, "InternalServerErrorException");
      expect(res.json.Message).toBe("Internal server error");
    } finally {
      await server.dispose();
    }
  });
});
