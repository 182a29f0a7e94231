/**
 * Raw HTTP for tests that must control the bytes on the wire: SigV4 signing with the AWS SDK's own
 * signer (`@smithy/signature-v4`) over a raw, already percent-encoded path, and `node:http`
 * requests that send that path verbatim (fetch would normalise `..` and re-encode it).
 */
import http from "node:http";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Credential } from "../src/server/credentials.js";

/** RFC 3986 encoding, as SigV4 and the AWS SDKs use for query strings. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function buildQuery(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join("&");
}

export interface SignOptions {
  credential: Credential;
  /** `host` header value, e.g. `127.0.0.1:4580`. */
  host: string;
  method: string;
  /** Raw path, already percent-encoded, sent verbatim. */
  path: string;
  /** Decoded query pairs (encoded on the wire with RFC 3986). */
  query?: [string, string][];
  /** Extra headers; all of them are signed (except those SigV4 never signs). */
  headers?: Record<string, string>;
  body?: Buffer | string;
  region?: string;
  service?: string;
  /** Adds a signed x-amz-content-sha256 header, as the JS SDK does. */
  contentSha256?: boolean;
  signingDate?: Date;
}

export interface SignedRequest {
  method: string;
  /** Raw path plus query string, ready for `http.request({ path })`. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const signers = new Map<string, SignatureV4>();

export async function signRequest(o: SignOptions): Promise<SignedRequest> {
  const key = `${o.credential.accessKeyId}:${o.credential.secretAccessKey}:${o.contentSha256 ? 1 : 0}`;
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({
      credentials: { accessKeyId: o.credential.accessKeyId, secretAccessKey: o.credential.secretAccessKey },
      region: "us-east-1",
      service: "mobiletargeting",
      sha256: Hash.bind(null, "sha256"),
      applyChecksum: !!o.contentSha256,
      uriEscapePath: true,
    });
    signers.set(key, signer);
  }
  const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body, "utf8");
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of o.query ?? []) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const headers: Record<string, string> = { ...(o.headers ?? {}), host: o.host };
  const signed = await signer.sign(
    new HttpRequest({
      method: o.method,
      protocol: "http:",
      hostname: "127.0.0.1",
      path: o.path,
      query,
      headers,
      body: body && body.length > 0 ? body : undefined,
    }),
    { signingDate: o.signingDate ?? new Date(), signingRegion: o.region ?? "us-east-1", signingService: o.service ?? "mobiletargeting" },
  );
  const qs = o.query && o.query.length > 0 ? `?${buildQuery(o.query)}` : "";
  return { method: o.method, path: o.path + qs, headers: signed.headers as Record<string, string>, body };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export type RawResult = { ok: true; res: RawResponse } | { ok: false; error: NodeJS.ErrnoException; gotResponse: boolean };

export interface RawRequestOptions {
  port: number;
  host?: string;
  method: string;
  path: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer;
  agent?: http.Agent | false;
  timeoutMs?: number;
}

/**
 * Sends one request with the path exactly as given. Resolves (never rejects) with the complete
 * response, or with the error and whether a response had started (a truncated response).
 */
export function rawRequest(o: RawRequestOptions): Promise<RawResult> {
  return new Promise((resolve) => {
    let gotResponse = false;
    let settled = false;
    const done = (r: RawResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const headers: Record<string, string | string[]> = { ...(o.headers ?? {}) };
    if (o.body && o.body.length > 0 && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length")) {
      headers["content-length"] = String(o.body.length);
    }
    let req: http.ClientRequest;
    try {
      req = http.request(
        {
          host: o.host ?? "127.0.0.1",
          port: o.port,
          method: o.method,
          path: o.path,
          headers,
          agent: o.agent ?? false,
          setHost: !("host" in headers),
        },
        (res) => {
          gotResponse = true;
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (error) => done({ ok: false, error, gotResponse }));
          res.on("aborted", () =>
            done({ ok: false, error: Object.assign(new Error("response aborted"), { code: "ABORTED" }), gotResponse }),
          );
          res.on("end", () => {
            if (!res.complete) {
              done({ ok: false, error: Object.assign(new Error("response incomplete"), { code: "INCOMPLETE" }), gotResponse });
              return;
            }
            const body = Buffer.concat(chunks);
            done({ ok: true, res: { status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") } });
          });
        },
      );
    } catch (error) {
      done({ ok: false, error: error as NodeJS.ErrnoException, gotResponse: false });
      return;
    }
    req.on("error", (error) => done({ ok: false, error, gotResponse }));
    if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    if (o.body && o.body.length > 0) req.write(o.body);
    req.end();
  });
}

/** The body as JSON, or undefined when it is empty or not JSON. */
export function jsonOrUndefined(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Signs and sends in one go; throws on a transport failure. */
export async function signedCall(
  port: number,
  credential: Credential,
  method: string,
  path: string,
  opts: { body?: unknown; query?: [string, string][]; agent?: http.Agent | false } = {},
): Promise<RawResponse & { json: any }> {
  const body = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  const s = await signRequest({
    credential,
    host: `127.0.0.1:${port}`,
    method,
    path,
    query: opts.query,
    headers: body !== undefined ? { "content-type": "application/json" } : {},
    body,
  });
  const r = await rawRequest({ port, method, path: s.path, headers: s.headers, body: s.body, agent: opts.agent });
  if (!r.ok) throw r.error;
  return Object.assign(r.res, { json: jsonOrUndefined(r.res.text) });
}

/** Every configuration of the signing account, following NextToken. */
export async function listAll(port: number, credential: Credential, pageSize = 100): Promise<any[]> {
  const items: any[] = [];
  let token: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const query: [string, string][] = [["page-size", String(pageSize)]];
    if (token) query.push(["token", token]);
    const r = await signedCall(port, credential, "GET", "/v1/recommenders", { query });
    if (r.status !== 200) throw new Error(`list failed: ${r.status} ${r.text}`);
    items.push(...r.json.Item);
    token = r.json.NextToken ?? undefined;
    if (!token) return items;
  }
  throw new Error("list did not terminate");
}
