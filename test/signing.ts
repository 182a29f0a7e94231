/** Raw HTTP requests signed with the AWS SDK's own SigV4 signer, for what SDK clients cannot send. */
import { request as httpRequest } from "node:http";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Credential } from "../src/server/credentials.js";
import { ACCOUNT_A } from "./helpers.js";

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
  const headers: Record<string, string> = { host: url.host, ...(o.headers ?? {}) };
  if (o.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
  let out: { headers: Record<string, string>; body?: string | Buffer } = { headers, body: o.body };
  if (o.credential !== false) {
    const c = o.credential ?? ACCOUNT_A;
    const signer = new SignatureV4({
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
      region: o.region ?? "us-east-1",
      service: o.service ?? "mobiletargeting",
      sha256: Hash.bind(null, "sha256"),
    });
    const signed = await signer.sign(
      new HttpRequest({ method: o.method, protocol: "http:", hostname: url.hostname, port: Number(url.port), path: o.path, query: o.query, headers, body: o.body }),
      { signingDate: o.signingDate },
    );
    out = { headers: signed.headers as Record<string, string>, body: o.body };
  }
  o.afterSign?.(out);
  const qs = o.query ? "?" + Object.entries(o.query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&") : "";
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: o.method, path: o.path + qs, headers: { ...out.headers, ...(out.body !== undefined && { "content-length": String(Buffer.byteLength(out.body)) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    if (out.body !== undefined) req.write(out.body);
    req.end();
  });
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
