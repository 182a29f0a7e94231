/**
 * Verifies AWS Signature Version 4 on the raw request. The canonical request is built with the
 * pieces of `@smithy/signature-v4` (the signer the AWS SDK itself uses) over exactly the headers the
 * client listed as signed, the raw path and the body the server received; the body hash is always
 * recomputed here, never taken from the client.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { escapeUri } from "@smithy/core/protocols";
import { Hash } from "@smithy/hash-node";
import { getCanonicalHeaders, getCanonicalQuery, getSigningKey } from "@smithy/signature-v4";
import { ApiError, forbidden } from "../shared/errors.js";
import type { Credential } from "./credentials.js";
import { RegionList } from "./regions.js";

export interface Principal {
  accountId: string;
  region: string;
  accessKeyId: string;
}

export interface RawRequest {
  method: string;
  /** Path exactly as received, still percent-encoded. */
  rawPath: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | undefined;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;_.-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** AWS's own error codes for these failures, so SDK users see familiar names. */
const invalidSignature = (message: string) => forbidden("InvalidSignatureException", message);

export interface VerifierOptions {
  maxSkewMs?: number;
  /** Accept any well-formed region name in the credential scope, not only AWS's published ones. */
  allowAnyRegion?: boolean;
  now?: () => number;
}

export class SigV4Verifier {
  private readonly byKey = new Map<string, Credential>();
  private readonly signingKeys = new Map<string, Uint8Array>();
  private readonly maxSkewMs: number;
  private readonly now: () => number;
  private readonly regions: RegionList | undefined;

  constructor(credentials: Credential[], opts: VerifierOptions = {}) {
    for (const c of credentials) this.byKey.set(c.accessKeyId, c);
    this.maxSkewMs = opts.maxSkewMs ?? 5 * 60 * 1000;
    this.now = opts.now ?? Date.now;
    this.regions = opts.allowAnyRegion ? undefined : new RegionList();
  }

  async verify(req: RawRequest, signingName: string): Promise<Principal> {
    const auth = header(req.headers, "authorization");
    if (!auth) {
      throw forbidden("MissingAuthenticationTokenException", "Missing Authentication Token: requests must be signed with AWS Signature Version 4");
    }
    const m = AUTH_RE.exec(auth);
    if (!m) throw new ApiError("IncompleteSignatureException", 403, "The Authorization header is not a well-formed AWS4-HMAC-SHA256 signature");
    const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = m;

    const credential = this.byKey.get(accessKeyId);
    // pinrec issues no temporary credentials, so no session token can be one it knows; AWS answers
    // an unknown or expired token this way too.
    if (!credential || header(req.headers, "x-amz-security-token") !== undefined) {
      throw forbidden("UnrecognizedClientException", "The security token included in the request is invalid");
    }
    if (service !== signingName) {
      throw invalidSignature(`Credential should be scoped to correct service: '${signingName}'`);
    }
    if (!/^[a-z0-9-]{1,32}$/.test(region)) throw invalidSignature("Credential scope has an invalid region");
    // An invented region would be a fresh set of per-region quotas (apps, recommenders, templates).
    if (this.regions && !this.regions.has(region)) {
      throw invalidSignature(`Credential should be scoped to a valid region, not '${region}'`);
    }

    const amzDate = header(req.headers, "x-amz-date");
    const d = amzDate ? DATE_RE.exec(amzDate) : null;
    if (!amzDate || !d) throw new ApiError("IncompleteSignatureException", 403, "Requests must carry an X-Amz-Date header in the form YYYYMMDDTHHMMSSZ");
    const signingDate = new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]));
    if (Number.isNaN(signingDate.getTime())) throw invalidSignature("X-Amz-Date is not a valid date");
    if (amzDate.slice(0, 8) !== scopeDate) throw invalidSignature("Credential scope date does not match X-Amz-Date");
    const skew = Math.abs(this.now() - signingDate.getTime());
    if (skew > this.maxSkewMs) {
      throw invalidSignature(`Signature expired or not yet valid: ${amzDate} is more than 5 minutes from the server time`);
    }

    const signed = signedHeaderList.split(";");
    if (!signed.includes("host")) throw invalidSignature("The host header must be signed");
    if (!signed.includes("x-amz-date")) throw invalidSignature("The x-amz-date header must be signed");

    const bodyHash = req.body && req.body.length > 0 ? createHash("sha256").update(req.body).digest("hex") : EMPTY_SHA256;
    const claimedHash = header(req.headers, "x-amz-content-sha256");
    if (claimedHash !== undefined && claimedHash !== bodyHash) {
      throw invalidSignature("The x-amz-content-sha256 header does not match the request body");
    }

    // Null prototype and own-property reads: a signed header named `constructor` or `__proto__`
    // is just a header the request does not carry.
    const headers: Record<string, string> = Object.create(null);
    for (const name of signed) {
      const value = Object.hasOwn(req.headers, name) ? req.headers[name] : undefined;
      if (value === undefined) throw invalidSignature(`Signed header '${name}' is missing from the request`);
      headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    // Null prototype: a query key such as `__proto__` must stay an ordinary key.
    const query: Record<string, string | string[]> = Object.create(null);
    for (const key of new Set(req.query.keys())) {
      const all = req.query.getAll(key);
      query[key] = all.length === 1 ? all[0] : all;
    }
    // The canonical request from smithy's own pieces, over exactly what the client signed.
    const canonicalHeaders = getCanonicalHeaders({ headers } as never, undefined, new Set(signed));
    const names = Object.keys(canonicalHeaders).sort();
    const canonicalRequest = [
      req.method,
      canonicalPath(req.rawPath),
      getCanonicalQuery({ query } as never),
      names.map((n) => `${n}:${canonicalHeaders[n]}`).join("\n"),
      "",
      names.join(";"),
      bodyHash,
    ].join("\n");
    const scope = `${scopeDate}/${region}/${service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonicalRequest).digest("hex")}`;
    const key = await this.signingKey(credential, scopeDate, region, service);
    const expectedSig = createHmac("sha256", key).update(stringToSign).digest("hex");
    if (!safeEqualHex(expectedSig, signature)) {
      throw invalidSignature(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
      );
    }
    return { accountId: credential.accountId, region, accessKeyId };
  }

  /**
   * The derived signing key for a key, day, region and service. Derived by smithy's getSigningKey
   * and kept here: smithy's own cache computes an HMAC per lookup just to build its cache key.
   */
  private async signingKey(credential: Credential, date: string, region: string, service: string): Promise<Uint8Array> {
    const cacheKey = `${credential.accessKeyId}\u0000${date}\u0000${region}\u0000${service}`;
    let key = this.signingKeys.get(cacheKey);
    if (!key) {
      key = await getSigningKey(Hash.bind(null, "sha256"), credential, date, region, service);
      if (this.signingKeys.size >= 1000) this.signingKeys.clear();
      this.signingKeys.set(cacheKey, key);
    }
    return key;
  }
}

/**
 * SigV4's canonical URI as the AWS SDKs compute it: the path as sent (already percent-encoded) is
 * normalised and encoded again per segment (`%2F` becomes `%252F`). Same steps as smithy's signer.
 */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment.length === 0 || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && path.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function header(headers: RawRequest["headers"], name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
