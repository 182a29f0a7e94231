/**
 * The Lambda payload rules both backends share: at most 50 endpoints per event; the event and the
 * result travel as JSON, each at most 6 MB (AWS Lambda's synchronous invocation payload quota,
 * which Amazon Pinpoint documents for recommender functions); the result must be a JSON object
 * (the endpoint map, bare or under `Endpoints`).
 */
import type { TransformerEvent } from "../contracts.js";
import { TransformerError } from "./errors.js";

export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Pinpoint: one invocation handles up to 50 endpoints; larger sends are split into batches. */
export const MAX_ENDPOINTS_PER_INVOCATION = 50;

function describeSize(bytes: number): string {
  return `${bytes} bytes, more than Lambda's 6 MB (${MAX_PAYLOAD_BYTES} bytes) payload limit`;
}

/** The event as the function receives it. */
export function encodeEvent(label: string, event: TransformerEvent): string {
  const endpoints = Object.keys(event.Endpoints ?? {}).length;
  if (endpoints > MAX_ENDPOINTS_PER_INVOCATION) {
    throw new TransformerError(
      `${label}: the event has ${endpoints} endpoints; Pinpoint sends at most ${MAX_ENDPOINTS_PER_INVOCATION} per invocation`,
      false,
    );
  }
  const body = JSON.stringify(event);
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_PAYLOAD_BYTES) throw new TransformerError(`${label}: the event is ${describeSize(bytes)}`, false);
  return body;
}

/** What the function returned, decoded; a result that is too large, not JSON or not an object is refused. */
export function decodeResult(label: string, body: string): Record<string, unknown> {
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_PAYLOAD_BYTES) throw new TransformerError(`${label} returned ${describeSize(bytes)}`, false);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new TransformerError(`${label} returned a payload that is not JSON`, false);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const what = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw new TransformerError(`${label} returned ${what}, not a JSON object of endpoints`, false);
  }
  return value as Record<string, unknown>;
}
