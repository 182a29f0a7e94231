/**
 * Responses to AWS requests, as data and written in one piece: status, headers and the body's text
 * in one `writeHead` + `end` (Fastify's send path writes headers and body separately, which cost the
 * hot path about a third of its throughput). Both fronts write through `writeReply`.
 */
import type { ServerResponse } from "node:http";
import { JsonText } from "../shared/json-text.js";

/** A response ready to write: status, headers and the body's text. */
export interface AwsReply {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

/** A success: the four headers every AWS success carries, and the JSON body. */
export function jsonReply(status: number, body: unknown, requestId: string): AwsReply {
  const json = serialise(body);
  return {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(json),
      "x-amzn-RequestId": requestId,
      "Access-Control-Allow-Origin": "*",
    },
    body: json,
  };
}

// Serialising and writing are separate functions so that a CPU profile (bench/api.mjs) names each.
function serialise(body: unknown): string {
  return body instanceof JsonText ? body.text : JSON.stringify(body);
}

export function writeReply(res: ServerResponse, reply: AwsReply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}
