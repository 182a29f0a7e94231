/**
 * Verifies AWS Signature Version 4 on the raw request. The canonical request is built the way
 * `@smithy/signature-v4` (the signer the AWS SDK itself uses) builds it, over exactly the headers the
 * client listed as signed, the raw path and the body the server received; the body hash is always
 * recomputed here, never taken from the client. The common shapes (a plain path, no query, header
 * values without whitespace to fold) take a direct path; anything else goes through smithy's own
 * escaping and query canonicalisation.
 */
import * as crypto from "node:crypto";
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { escapeUri } from "@smithy/core/protocols";
import { getCanonicalQuery } from "@smithy/signature-v4";
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
/**
 * SHA-256 as hex. Node's one-shot `crypto.hash` (20.12 and later) costs half of a Hash object for
 * inputs of this size; older Node 20 releases use the Hash object.
 */
const sha256Hex: (data: string | Buffer) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (data) => crypto.hash("sha256", data)
    : (data) => createHash("sha256").update(data).digest("hex");

/** A path that SigV4's normalisation and escaping leave as it is (every segment unreserved, not starting with a dot). */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+\/?$/;
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
  private readonly signingKeys = new Map<string, KeyObject>();
  private readonly maxSkewMs: number;
  private readonly now: () => number;
  private readonly regions: RegionList | undefined;

  constructor(credentials: Credential[], opts: VerifierOptions = {}) {
    for (const c of credentials) this.byKey.set(c.accessKeyId, c);
    this.maxSkewMs = opts.maxSkewMs ?? 5 * 60 * 1000;
    this.now = opts.now ?? Date.now;
    this.regions = opts.allowAnyRegion ? undefined : new RegionList();
  }

  /** Synchronous: every step is CPU work, and a request's path should not pay for promises it does not need. */
  verify(req: RawRequest, signingName: string): Principal {
    const auth = header(req.headers, "authorization");
    if (!auth) {
      throw forbidden(
        "MissingAuthenticationTokenException",
        "Missing Authentication Token: requests must be signed with AWS Signature Version 4",
      );
    }
    const m = AUTH_RE.exec(auth);
    if (!m)
      throw new ApiError("IncompleteSignatureException", 403, "The Authorization header is not a well-formed AWS4-HMAC-SHA256 signature");
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
    if (!amzDate || !d)
      throw new ApiError("IncompleteSignatureException", 403, "Requests must carry an X-Amz-Date header in the form YYYYMMDDTHHMMSSZ");
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

    const bodyHash = req.body && req.body.length > 0 ? sha256Hex(req.body) : EMPTY_SHA256;
    const claimedHash = header(req.headers, "x-amz-content-sha256");
    if (claimedHash !== undefined && claimedHash !== bodyHash) {
      throw invalidSignature("The x-amz-content-sha256 header does not match the request body");
    }

    const canonicalRequest = `${req.method}\n${canonicalPath(req.rawPath)}\n${canonicalQuery(req.query)}\n${canonicalHeaders(req.headers, signed)}\n${bodyHash}`;
    const scope = `${scopeDate}/${region}/${service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const key = this.signingKey(credential, scopeDate, region, service);
    const expectedSig = createHmac("sha256", key).update(stringToSign).digest();
    if (!timingSafeEqual(expectedSig, Buffer.from(signature, "hex"))) {
      throw invalidSignature(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
      );
    }
    return { accountId: credential.accountId, region, accessKeyId };
  }

  /**
   * The derived signing key for a key, day, region and service, kept as a KeyObject so each request's
   * HMAC does not import the key again. The derivation is SigV4's (AWS documentation, "Calculate the
   * signature for AWS Signature Version 4"): HMAC chained over date, region, service and
   * `aws4_request`, starting from `AWS4` + the secret.
   */
  private signingKey(credential: Credential, date: string, region: string, service: string): KeyObject {
    const cacheKey = `${credential.accessKeyId}\u0000${date}\u0000${region}\u0000${service}`;
    let key = this.signingKeys.get(cacheKey);
    if (!key) {
      let k: Buffer = Buffer.from(`AWS4${credential.secretAccessKey}`, "utf8");
      for (const part of [date, region, service, "aws4_request"]) k = createHmac("sha256", k).update(part).digest();
      key = createSecretKey(k);
      if (this.signingKeys.size >= 1000) this.signingKeys.clear();
      this.signingKeys.set(cacheKey, key);
    }
    return key;
  }
}

/**
 * The canonical headers block and the signed-headers line, over exactly the headers the client
 * listed: `name:value` lines sorted by name, each value trimmed with inner whitespace runs folded
 * to one space (what smithy's getCanonicalHeaders does), then an empty line and the names.
 */
function canonicalHeaders(requestHeaders: RawRequest["headers"], signed: string[]): string {
  // Usually already sorted and unique, as every SDK sends it; otherwise sorted and deduplicated here.
  let names = signed;
  for (let i = 1; i < signed.length; i++) {
    if (signed[i - 1] >= signed[i]) {
      names = [...new Set(signed)].sort();
      break;
    }
  }
  let lines = "";
  for (const name of names) {
    // Own-property reads: a signed header named `constructor` or `__proto__` is just a header the request does not carry.
    const raw = Object.hasOwn(requestHeaders, name) ? requestHeaders[name] : undefined;
    if (raw === undefined) throw invalidSignature(`Signed header '${name}' is missing from the request`);
    const value = Array.isArray(raw) ? raw.join(",") : raw;
    lines += `${name}:${/\s/.test(value) ? value.trim().replace(/\s+/g, " ") : value}\n`;
  }
  return `${lines}\n${names.join(";")}`;
}

/** The canonical query string: empty for no query; otherwise built by smithy's getCanonicalQuery. */
function canonicalQuery(params: URLSearchParams): string {
  if (params.size === 0) return "";
  // Null prototype: a query key such as `__proto__` must stay an ordinary key.
  const query: Record<string, string | string[]> = Object.create(null);
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    query[key] = all.length === 1 ? all[0] : all;
  }
  return getCanonicalQuery({ query } as never);
}

/**
 * SigV4's canonical URI as the AWS SDKs compute it: the path as sent (already percent-encoded) is
 * normalised and encoded again per segment (`%2F` becomes `%252F`). Same steps as smithy's signer.
 */
function canonicalPath(path: string): string {
  // Segments of unreserved characters only, none `.` or `..`, none empty: normalising and escaping change nothing.
  if (PLAIN_PATH.test(path)) return path;
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
