/** SigV4 verification on the raw request, with the failures AWS SDK users will meet. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GetRecommenderConfigurationsCommand, PinpointClient } from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, CAMPAIGN, ROLE, errorOf, startTestServer, type TestServer } from "../helpers.js";
import { expectPinpointError, rawRequest } from "../signing.js";

const body = JSON.stringify({
  RecommendationProviderUri: CAMPAIGN,
  RecommendationProviderRoleArn: ROLE,
  RecommendationsDisplayName: "Top",
});

describe("SigV4", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
  });
  const list = async () => (await rawRequest(server, { method: "GET", path: "/v1/recommenders" })).json.Item.length;

  test("a correctly signed request with a query string and encoded path passes", async () => {
    const res = await rawRequest(server, { method: "GET", path: "/v1/recommenders", query: { "page-size": "10" } });
    expect(res.status).toBe(200);
    const res2 = await rawRequest(server, { method: "GET", path: "/v1/recommenders/a%2Fb%20c" });
    expect(res2.status).toBe(404);
  });

  test("no signature: 403 MissingAuthenticationTokenException", async () => {
    expectPinpointError(
      await rawRequest(server, { method: "GET", path: "/v1/recommenders", credential: false }),
      403,
      "MissingAuthenticationTokenException",
    );
  });

  test("unknown access key: 403 UnrecognizedClientException", async () => {
    const res = await rawRequest(server, {
      method: "GET",
      path: "/v1/recommenders",
      credential: { ...ACCOUNT_A, accessKeyId: "AKIAUNKNOWN000000000" },
    });
    expectPinpointError(res, 403, "UnrecognizedClientException");
  });

  test("wrong secret: 403 InvalidSignatureException", async () => {
    const res = await rawRequest(server, {
      method: "POST",
      path: "/v1/recommenders",
      body,
      credential: { ...ACCOUNT_A, secretAccessKey: "wrong-secret-0123456789" },
    });
    expectPinpointError(res, 403, "InvalidSignatureException");
    expect(await list()).toBe(0);
  });

  test("a body changed after signing is refused, whether or not x-amz-content-sha256 is signed", async () => {
    const tampered = body.replace("Top", "Tip");
    const res = await rawRequest(server, { method: "POST", path: "/v1/recommenders", body, afterSign: (r) => (r.body = tampered) });
    expectPinpointError(res, 403, "InvalidSignatureException");
    // botocore style: no x-amz-content-sha256 header; the server must hash the body itself.
    const res2 = await rawRequest(server, {
      method: "POST",
      path: "/v1/recommenders",
      body,
      afterSign: (r) => {
        r.body = tampered;
        delete r.headers["x-amz-content-sha256"];
      },
    });
    expectPinpointError(res2, 403, "InvalidSignatureException");
    expect(await list()).toBe(0);
  });

  test("a changed path, query or signed header is refused", async () => {
    const sign = { method: "GET", path: "/v1/recommenders", query: { "page-size": "1" } };
    expectPinpointError(
      await rawRequest(server, {
        ...sign,
        afterSign: (r) => (r.headers["x-amz-date"] = r.headers["x-amz-date"].replace(/(\d)Z$/, (_, d) => `${(Number(d) + 1) % 10}Z`)),
      }),
      403,
      "InvalidSignatureException",
    );
    const url = new URL(server.url);
    expectPinpointError(
      await rawRequest(server, { ...sign, afterSign: (r) => (r.headers.host = `localhost:${url.port}`) }),
      403,
      "InvalidSignatureException",
    );
    expectPinpointError(await rawRequest(server, { ...sign, path: "/v1/recommenders/x" }), 404, "NotFoundException");
  });

  test("X-Amz-Date more than 5 minutes off: 403", async () => {
    for (const offset of [-6 * 60_000, 6 * 60_000]) {
      const res = await rawRequest(server, { method: "GET", path: "/v1/recommenders", signingDate: new Date(Date.now() + offset) });
      expectPinpointError(res, 403, "InvalidSignatureException");
      expect(res.json.Message).toMatch(/5 minutes/);
    }
    const ok = await rawRequest(server, { method: "GET", path: "/v1/recommenders", signingDate: new Date(Date.now() - 4 * 60_000) });
    expect(ok.status).toBe(200);
  });

  test("a credential scoped to another service is refused", async () => {
    const res = await rawRequest(server, { method: "GET", path: "/v1/recommenders", service: "personalize" });
    expectPinpointError(res, 403, "InvalidSignatureException");
    expect(res.json.Message).toMatch(/mobiletargeting/);
  });

  test("malformed Authorization headers are typed 403s", async () => {
    for (const auth of [
      "Bearer x",
      "AWS4-HMAC-SHA256 Credential=foo",
      "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/mobiletargeting/aws4_request, SignedHeaders=host, Signature=zz",
    ]) {
      const res = await rawRequest(server, {
        method: "GET",
        path: "/v1/recommenders",
        credential: false,
        headers: { authorization: auth },
      });
      expect(res.status).toBe(403);
      expectPinpointError(res, 403, String(res.headers["x-amzn-errortype"]));
    }
  });

  test("the JS SDK surfaces auth failures as typed exceptions", async () => {
    const client = new PinpointClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: "nope-nope-nope-nope" },
      maxAttempts: 1,
    });
    const err = await errorOf(() => client.send(new GetRecommenderConfigurationsCommand({})));
    expect(err.name).toBe("InvalidSignatureException");
    expect(err.$metadata.httpStatusCode).toBe(403);
  });
});
