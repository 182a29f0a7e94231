/**
 * Whether a PutEvents event matches an `EVENT` campaign's `Schedule.EventFilter`
 * (CampaignEventFilter in the API reference): `FilterType` and the `Dimensions` (EventDimensions:
 * `EventType` as a SetDimension, `Attributes` as AttributeDimensions, `Metrics` as
 * MetricDimensions), every given dimension must hold. The dimensions are the segment dimension
 * code's own, evaluated in memory over the event's facts.
 *
 * FilterType: `ENDPOINT` campaigns fire for events recorded through the Events resource, which is
 * every event PutEvents accepts. `SYSTEM` campaigns fire for system events; pinrec records none of
 * its own, so it treats the events PutEvents receives under Pinpoint's reserved `_` prefix (such as
 * `_session.start` or `_userauth.sign_in`, which the AWS SDKs record) as the system events.
 */
import type { CampaignEventFilter, Event } from "@aws-sdk/client-pinpoint";
import { eventDimensionCriteria } from "../segments/dimensions.js";
import { matchesCriteria } from "../segments/criteria-match.js";
import { parseInstant } from "../../shared/instant.js";
import type { Fact } from "../../store/endpoint-facts.js";

/** An event's facts, in the shape segment criteria are evaluated over. */
export function eventFacts(event: Event): Fact[] {
  const facts: Fact[] = [];
  if (event.EventType !== undefined) facts.push({ kind: "event", name: "EventType", value: event.EventType, num: null });
  for (const [name, value] of Object.entries(event.Attributes ?? {}))
    facts.push({ kind: "attr", name, value, num: parseInstant(value) ?? null });
  for (const [name, value] of Object.entries(event.Metrics ?? {})) facts.push({ kind: "metric", name, value: String(value), num: value });
  return facts;
}

export const isSystemEvent = (event: Event): boolean => event.EventType?.startsWith("_") === true;

export function eventFilterMatches(filter: CampaignEventFilter | undefined, event: Event): boolean {
  if (!filter) return false;
  if (filter.FilterType === "SYSTEM" && !isSystemEvent(event)) return false;
  if (filter.FilterType !== "SYSTEM" && filter.FilterType !== "ENDPOINT") return false;
  return matchesCriteria(eventDimensionCriteria(filter.Dimensions ?? {}), eventFacts(event));
}
