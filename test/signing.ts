/** Signed raw requests with a JSON view of the answer, on top of raw-http.ts, for what SDK clients cannot send. */
import type { Credential } from "../src/server/credentials.js";
import { ACCOUNT_A } from "./helpers.js";
import { buildQuery, jsonOrUndefined, rawRequest as sendRaw, signRequest } from "./raw-http.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface RawOptions {
  method: string;
  /** Raw path as sent on the wire (already percent-encoded). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** false = send unsigned. */
  credential?: Credential | false;
  service?: string;
  region?: string;
  signingDate?: Date;
  /** Change the request after signing (tampering tests). */
  afterSign?: (req: { headers: Record<string, string>; body?: string | Buffer }) => void;
}

export async function rawRequest(server: { url: string }, o: RawOptions): Promise<RawResponse> {
  const url = new URL(server.url);
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
    headers["content-type"] = "application/json";
  const query = Object.entries(o.query ?? {});
  let out: { headers: Record<string, string>; body?: string | Buffer; path: string };
  if (o.credential === false) {
    out = { headers: { ...headers, host: url.host }, body: o.body, path: o.path + (query.length ? `?${buildQuery(query)}` : "") };
  } else {
    const signed = await signRequest({
      credential: o.credential ?? ACCOUNT_A,
      host: url.host,
      method: o.method,
      path: o.path,
      query,
      headers,
      body: o.body,
      region: o.region,
      service: o.service,
      signingDate: o.signingDate,
      contentSha256: true,
    });
    out = { headers: signed.headers, body: o.body, path: signed.path };
  }
  o.afterSign?.(out);
  const body = out.body === undefined ? undefined : Buffer.from(out.body);
  const r = await sendRaw({ port: Number(url.port), method: o.method, path: out.path, headers: out.headers, body });
  if (!r.ok) throw r.error;
  return { status: r.res.status, headers: r.res.headers, text: r.res.text, json: jsonOrUndefined(r.res.text) };
}

/** Asserts the Pinpoint error envelope: status, `x-amzn-ErrorType`, `{Message, RequestID}`, no internals. */
export function expectPinpointError(res: RawResponse, status: number, code: string): void {
  const problems: string[] = [];
  if (res.status !== status) problems.push(`status ${res.status} != ${status}`);
  if (res.headers["x-amzn-errortype"] !== code) problems.push(`x-amzn-ErrorType ${String(res.headers["x-amzn-errortype"])} != ${code}`);
  const rid = res.headers["x-amzn-requestid"];
  if (typeof rid !== "string" || rid.length < 10) problems.push("no x-amzn-RequestId");
  if (!res.json || typeof res.json.Message !== "string" || res.json.RequestID !== rid) problems.push(`body ${res.text}`);
  if (/\n\s+at |node_modules|\/src\/|\.ts:\d/.test(res.text)) problems.push(`internals leaked: ${res.text}`);
  if (problems.length) throw new Error(problems.join("; "));
}
