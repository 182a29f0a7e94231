import { parseInstant } from "./instant.js";

/**
 * The range of instants pinrec accepts from clients: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z,
 * the span ISO 8601 writes with a four-digit year. JavaScript dates reach further (±8.64e15 ms),
 * but an instant outside this span is a client's mistake (1e13 seconds is the year 318,857), and
 * one beyond the Date range would throw `RangeError: Invalid time value` wherever it is formatted.
 */
export const MIN_TIMESTAMP_MS = 0;
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const TIMESTAMP_RANGE = "1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z";

/**
 * A wire timestamp as milliseconds since the epoch, or undefined when it is not one or falls
 * outside the accepted range. Numbers are epoch seconds (the restJson1 default, as the AWS SDKs
 * send `sentAt`); strings are ISO 8601 dates.
 */
export function timestampMs(value: unknown): number | undefined {
  const ms = typeof value === "number" ? value * 1000 : typeof value === "string" ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms) || ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) return undefined;
  return ms;
}

/**
 * An ISO 8601 string date, as Pinpoint documents its dates ("The date and time, in ISO 8601 format",
 * e.g. EndpointRequest.EffectiveDate), as milliseconds since the epoch; undefined when it is not
 * one or is outside the accepted range. Read by the segments' instant reader, not Date.parse, which
 * also takes "1" or "Jan 1 2000" and rolls 2024-02-30 over to March.
 */
export function iso8601Ms(value: unknown): number | undefined {
  const ms = typeof value === "string" ? parseInstant(value) : undefined;
  return ms !== undefined && ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS ? ms : undefined;
}
