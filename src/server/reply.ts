/**
 * Writes a successful AWS response straight to the socket: status, the four headers every success
 * carries, and the JSON body in one write. Fastify's send path costs the hot path about a third of
 * its throughput (it writes headers and body separately); the caller hijacks the reply first, and
 * Fastify's onResponse hook (the request log line and metrics) still fires when the response ends.
 */
import type { ServerResponse } from "node:http";
import { JsonText } from "../shared/json-text.js";

export function writeJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  send(res, status, serialise(body), requestId);
}

// Serialising and writing are separate functions so that a CPU profile (bench/api.mjs) names each.
function serialise(body: unknown): string {
  return body instanceof JsonText ? body.text : JSON.stringify(body);
}

function send(res: ServerResponse, status: number, json: string, requestId: string): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
    "x-amzn-RequestId": requestId,
    "Access-Control-Allow-Origin": "*",
  });
  res.end(json);
}
