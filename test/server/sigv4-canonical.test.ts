/**
 * The verifier's canonical request against the AWS SDK's own signer: requests of many shapes are
 * signed with `@smithy/signature-v4` (what every AWS SDK for JavaScript uses) and must verify;
 * the same request with one thing changed after signing must not. Covers the direct path for plain
 * paths and empty queries and smithy's path for everything else (encoded and dotted segments,
 * repeated and odd query keys, header values with whitespace to fold).
 */
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/shared/errors.js";
import { SigV4Verifier, type RawRequest } from "../../src/server/sigv4.js";

const CREDENTIAL = { accessKeyId: "AKIACANONICALTEST001", secretAccessKey: "canonical-test-secret-0123456789", accountId: "111122223333" };
const signer = new SignatureV4({
  credentials: CREDENTIAL,
  region: "eu-west-1",
  service: "mobiletargeting",
  sha256: Hash.bind(null, "sha256"),
});

const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,12}$/),
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== "." && s !== ".." && !s.includes("/")),
  fc.constantFrom(".hidden", "a b", "x%2Fy", "ü", "+plus", "*"),
);
const queryKey = fc.oneof(fc.stringMatching(/^[a-z-]{1,10}$/), fc.constantFrom("__proto__", "constructor", "a b", "x=y", "ü"));
const headerValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
  fc.constantFrom(" padded ", "inner   spaces", "tab\there", "a  b  c"),
);

/** The request as the server sees it: Node lowercases header names and keeps the raw (encoded) path. */
async function signedRequest(segments: string[], query: [string, string][], extra: [string, string][]): Promise<RawRequest> {
  // The path percent-encoded as the SDK's serialiser encodes labels; the signer encodes it once more.
  const path = `/${segments.map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("/")}`;
  const headers: Record<string, string> = { host: "127.0.0.1:4580" };
  for (const [i, [, v]] of extra.entries()) headers[`x-test-${i}`] = v;
  const q: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of query) {
    const prev = q[k];
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signed = await signer.sign(
    new HttpRequest({ method: "GET", protocol: "http:", hostname: "127.0.0.1", port: 4580, path, query: q, headers }),
  );
  // What reaches the server: that path as it is, the query as URLSearchParams serialises it.
  const search = new URLSearchParams();
  for (const [k, v] of query) search.append(k, v);
  const received: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) received[k.toLowerCase()] = v;
  return { method: "GET", rawPath: path, query: search, headers: received, body: undefined };
}

describe("SigV4 canonical request", () => {
  const verifier = new SigV4Verifier([CREDENTIAL]);

  it("accepts what the AWS SDK's signer signs, and refuses it once changed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(queryKey, fc.string({ maxLength: 6 })), { maxLength: 3 }),
        fc.array(fc.tuple(fc.constant("x"), headerValue), { maxLength: 3 }),
        async (segments, query, extra) => {
          const req = await signedRequest(segments, query, extra);
          expect(verifier.verify(req, "mobiletargeting").accountId).toBe(CREDENTIAL.accountId);
          const tampered = { ...req, rawPath: `${req.rawPath}x` };
          expect(() => verifier.verify(tampered, "mobiletargeting")).toThrow(ApiError);
          if (extra.length > 0) {
            const headers: RawRequest["headers"] = { ...req.headers, "x-test-0": `${req.headers["x-test-0"]}!` };
            expect(() => verifier.verify({ ...req, headers }, "mobiletargeting")).toThrow(ApiError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
