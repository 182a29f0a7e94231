/**
 * The documented rules for PutEvents events ("Event ingestion quotas" in the Amazon Pinpoint
 * Developer Guide; the Event object in the API reference). An event that breaks one is refused on
 * its own (its EventItemResponse is a 400 naming the rule) while the rest of the call goes ahead,
 * as Pinpoint does; only a request that breaks the request-wide quotas is refused whole.
 */
import type { Event, EventsRequest } from "@aws-sdk/client-pinpoint";
import { badRequest } from "../../shared/errors.js";
import { TIMESTAMP_RANGE, timestampMs } from "../../shared/timestamps.js";

/** Events in one PutEvents request (over every endpoint of the batch). */
export const MAX_EVENTS_PER_REQUEST = 100;
/** Endpoints in one request: each needs at least one entry, so no more than the events allowed. */
export const MAX_ENDPOINTS_PER_REQUEST = 100;
export const MAX_EVENT_ATTRIBUTES = 40;
export const MAX_EVENT_METRICS = 40;
export const MAX_EVENT_KEY_CHARS = 50;
export const MAX_EVENT_ATTRIBUTE_VALUE_CHARS = 200;
export const MAX_EVENT_TYPE_CHARS = 50;
/** "Maximum size of an event: 1,000 KB". */
export const MAX_EVENT_BYTES = 1000 * 1024;

/** Refuses a request that is malformed as a whole (no endpoints, too many events). */
export function checkEventsRequest(req: EventsRequest): void {
  const items = Object.entries(req.BatchItem ?? {});
  if (items.length === 0) throw badRequest("BatchItem must contain at least one endpoint");
  if (items.length > MAX_ENDPOINTS_PER_REQUEST)
    throw badRequest(`BatchItem can contain at most ${MAX_ENDPOINTS_PER_REQUEST} endpoints; it has ${items.length}`);
  const events = items.reduce((n, [, batch]) => n + Object.keys(batch.Events ?? {}).length, 0);
  if (events > MAX_EVENTS_PER_REQUEST)
    throw badRequest(`A PutEvents request can contain at most ${MAX_EVENTS_PER_REQUEST} events; this one has ${events}`);
}

/** Why one event cannot be accepted, or undefined when it can. */
export function eventProblem(id: string, event: Event): string | undefined {
  if (id.length === 0) return "The event id (the key in Events) must not be empty";
  const type = event.EventType ?? "";
  if (type.length === 0) return "EventType must not be empty";
  if (type.length > MAX_EVENT_TYPE_CHARS) return `EventType must be at most ${MAX_EVENT_TYPE_CHARS} characters; it has ${type.length}`;
  if (timestampMs(event.Timestamp) === undefined)
    return `Timestamp '${event.Timestamp}' is not an ISO 8601 date-time from ${TIMESTAMP_RANGE}`;
  const attributes = Object.entries(event.Attributes ?? {});
  if (attributes.length > MAX_EVENT_ATTRIBUTES)
    return `An event can have at most ${MAX_EVENT_ATTRIBUTES} attributes; it has ${attributes.length}`;
  for (const [key, value] of attributes) {
    if (key.length === 0 || key.length > MAX_EVENT_KEY_CHARS)
      return `Attribute key '${key}' must be between 1 and ${MAX_EVENT_KEY_CHARS} characters`;
    if (value.length > MAX_EVENT_ATTRIBUTE_VALUE_CHARS)
      return `The value of attribute '${key}' must be at most ${MAX_EVENT_ATTRIBUTE_VALUE_CHARS} characters; it has ${value.length}`;
  }
  const metrics = Object.entries(event.Metrics ?? {});
  if (metrics.length > MAX_EVENT_METRICS) return `An event can have at most ${MAX_EVENT_METRICS} metrics; it has ${metrics.length}`;
  for (const [key, value] of metrics) {
    if (key.length === 0 || key.length > MAX_EVENT_KEY_CHARS)
      return `Metric key '${key}' must be between 1 and ${MAX_EVENT_KEY_CHARS} characters`;
    if (!Number.isFinite(value)) return `Metric '${key}' must be a number`;
  }
  if (event.Session && timestampMs(event.Session.StartTimestamp) === undefined)
    return `Session.StartTimestamp '${event.Session.StartTimestamp}' is not an ISO 8601 date-time from ${TIMESTAMP_RANGE}`;
  if (event.Session?.StopTimestamp !== undefined && timestampMs(event.Session.StopTimestamp) === undefined) {
    return `Session.StopTimestamp '${event.Session.StopTimestamp}' is not an ISO 8601 date-time from ${TIMESTAMP_RANGE}`;
  }
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes > MAX_EVENT_BYTES) return `The event is ${bytes} bytes; an event can be at most ${MAX_EVENT_BYTES} bytes (1,000 KB)`;
  return undefined;
}
