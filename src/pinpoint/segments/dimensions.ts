/**
 * A segment's `Dimensions` as Amazon Pinpoint documents them (SegmentDimensions, AttributeDimension,
 * MetricDimension, SetDimension, RecencyDimension in the API reference): checked when the segment is
 * written, and turned into database criteria each time the segment is evaluated.
 *
 * Within one SegmentDimensions object every criterion must hold. For attributes, EXCLUSIVE keeps
 * endpoints that have none of the values, including endpoints without the attribute.
 */
import type { AttributeDimension, EventDimensions, MetricDimension, SegmentDimensions, SetDimension } from "@aws-sdk/client-pinpoint";
import { badRequest } from "../../shared/errors.js";
import { DAY_MS, parseInstant, startOfUtcDay } from "../../shared/instant.js";
import type { FactKind } from "../../store/endpoint-facts.js";
import type { Criteria } from "../../store/segment-query.js";

export const ATTRIBUTE_TYPES = ["INCLUSIVE", "EXCLUSIVE", "CONTAINS", "BEFORE", "AFTER", "ON", "BETWEEN"] as const;
export const DIMENSION_TYPES = ["INCLUSIVE", "EXCLUSIVE"] as const;
/** MetricDimension.ComparisonOperator. */
export const COMPARISON_OPERATORS = {
  GREATER_THAN: ">",
  LESS_THAN: "<",
  GREATER_THAN_OR_EQUAL: ">=",
  LESS_THAN_OR_EQUAL: "<=",
  EQUAL: "=",
} as const;
export const RECENCY_TYPES = ["ACTIVE", "INACTIVE"] as const;
/** RecencyDimension.Duration, in milliseconds. */
export const DURATIONS: Record<string, number> = { HR_24: DAY_MS, DAY_7: 7 * DAY_MS, DAY_14: 14 * DAY_MS, DAY_30: 30 * DAY_MS };
/** pinrec's limit on a dimension's `Values` (AWS documents none); it keeps each query's parameters bounded. */
export const MAX_DIMENSION_VALUES = 100;
/** SegmentDemographics members pinrec can select on (endpoints store no device type). */
const DEMOGRAPHICS = ["AppVersion", "Channel", "Make", "Model", "Platform"] as const;

function oneOf(value: string | undefined, allowed: readonly string[], field: string): void {
  if (value !== undefined && !allowed.includes(value)) throw badRequest(`${field} must be one of ${allowed.join(", ")}; got '${value}'`);
}

function instantOf(value: string, field: string): number {
  const ms = parseInstant(value);
  if (ms === undefined) throw badRequest(`${field} '${value}' is not an ISO 8601 date-time (for example 2024-05-01T00:00:00Z)`);
  return ms;
}

function checkAttribute(dim: AttributeDimension, field: string): void {
  oneOf(dim.AttributeType, ATTRIBUTE_TYPES, `${field}.AttributeType`);
  const values = dim.Values ?? [];
  if (values.length > MAX_DIMENSION_VALUES)
    throw badRequest(`${field}.Values can hold at most ${MAX_DIMENSION_VALUES} values; it has ${values.length}`);
  const type = dim.AttributeType ?? "INCLUSIVE";
  const want = (n: number) => {
    if (values.length !== n)
      throw badRequest(
        `${field}.Values must hold exactly ${n} value${n > 1 ? "s" : ""} for AttributeType ${type}; it has ${values.length}`,
      );
  };
  if (type === "BEFORE" || type === "AFTER" || type === "ON") {
    want(1);
    instantOf(values[0], `${field}.Values[0]`);
  } else if (type === "BETWEEN") {
    want(2);
    const [lo, hi] = values.map((v, i) => instantOf(v, `${field}.Values[${i}]`));
    if (lo > hi) throw badRequest(`${field}.Values: the first date of a BETWEEN must not be after the second`);
  } else if (values.length === 0) {
    throw badRequest(`${field}.Values must hold at least one value`);
  }
}

export function checkSet(dim: SetDimension | undefined, field: string): void {
  if (!dim) return;
  oneOf(dim.DimensionType, DIMENSION_TYPES, `${field}.DimensionType`);
  const n = (dim.Values ?? []).length;
  if (n === 0) throw badRequest(`${field}.Values must hold at least one value`);
  if (n > MAX_DIMENSION_VALUES) throw badRequest(`${field}.Values can hold at most ${MAX_DIMENSION_VALUES} values; it has ${n}`);
}

function checkMetrics(metrics: Record<string, MetricDimension> | undefined, field: string): void {
  for (const [name, dim] of Object.entries(metrics ?? {})) {
    oneOf(dim.ComparisonOperator, Object.keys(COMPARISON_OPERATORS), `${field}.Metrics.${name}.ComparisonOperator`);
  }
}

/** Every documented rule for one SegmentDimensions object; `field` names it in messages. */
export function checkDimensions(d: SegmentDimensions, field: string): void {
  for (const [name, dim] of Object.entries(d.Attributes ?? {})) checkAttribute(dim, `${field}.Attributes.${name}`);
  for (const [name, dim] of Object.entries(d.UserAttributes ?? {})) checkAttribute(dim, `${field}.UserAttributes.${name}`);
  checkMetrics(d.Metrics, field);
  const demo = d.Demographic ?? {};
  if (demo.DeviceType)
    throw badRequest(
      `${field}.Demographic.DeviceType is not supported: pinrec endpoints carry no device type (use Platform, Make or Model)`,
    );
  for (const name of DEMOGRAPHICS) checkSet(demo[name], `${field}.Demographic.${name}`);
  if (d.Location?.GPSPoint) throw badRequest(`${field}.Location.GPSPoint is not supported by pinrec; select on Location.Country`);
  checkSet(d.Location?.Country, `${field}.Location.Country`);
  const recency = d.Behavior?.Recency;
  if (recency) {
    oneOf(recency.Duration, Object.keys(DURATIONS), `${field}.Behavior.Recency.Duration`);
    oneOf(recency.RecencyType, RECENCY_TYPES, `${field}.Behavior.Recency.RecencyType`);
  }
}

/**
 * The rules for an event filter's EventDimensions (CampaignEventFilter.Dimensions): the same
 * AttributeDimension, MetricDimension and SetDimension rules as a segment's, over the event's
 * `Attributes`, `Metrics` and `EventType`.
 */
export function checkEventDimensions(d: EventDimensions, field: string): void {
  for (const [name, dim] of Object.entries(d.Attributes ?? {})) checkAttribute(dim, `${field}.Attributes.${name}`);
  checkMetrics(d.Metrics, field);
  checkSet(d.EventType, `${field}.EventType`);
}

function attributeCriteria(kind: FactKind, name: string, dim: AttributeDimension): Criteria {
  const values = dim.Values ?? [];
  const fact = (match: Extract<Criteria, { op: "fact" }>["match"]): Criteria => ({ op: "fact", kind, name, match });
  switch (dim.AttributeType ?? "INCLUSIVE") {
    case "EXCLUSIVE":
      return { op: "not", of: fact({ values }) };
    case "CONTAINS":
      return fact({ contains: values });
    case "BEFORE":
      return fact({ cmp: "<", num: parseInstant(values[0])! });
    case "AFTER":
      return fact({ cmp: ">", num: parseInstant(values[0])! });
    case "ON": {
      const day = startOfUtcDay(parseInstant(values[0])!);
      return fact({ between: [day, day + DAY_MS - 1] });
    }
    case "BETWEEN":
      return fact({ between: [parseInstant(values[0])!, parseInstant(values[1])!] });
    default:
      return fact({ values });
  }
}

function setCriteria(kind: FactKind, name: string, dim: SetDimension): Criteria {
  const has: Criteria = { op: "fact", kind, name, match: { values: dim.Values ?? [] } };
  return dim.DimensionType === "EXCLUSIVE" ? { op: "not", of: has } : has;
}

function metricCriteria(metrics: Record<string, MetricDimension> | undefined): Criteria[] {
  return Object.entries(metrics ?? {}).map(([name, dim]) => {
    const cmp = COMPARISON_OPERATORS[dim.ComparisonOperator as keyof typeof COMPARISON_OPERATORS];
    return { op: "fact", kind: "metric", name, match: { cmp, num: dim.Value! } };
  });
}

/** The criteria one (checked) SegmentDimensions object selects, with recency measured from `now`. */
export function dimensionCriteria(d: SegmentDimensions, now: number): Criteria {
  const of: Criteria[] = [];
  for (const [name, dim] of Object.entries(d.Attributes ?? {})) of.push(attributeCriteria("attr", name, dim));
  for (const [name, dim] of Object.entries(d.UserAttributes ?? {})) of.push(attributeCriteria("user", name, dim));
  of.push(...metricCriteria(d.Metrics));
  for (const name of DEMOGRAPHICS) {
    const dim = d.Demographic?.[name];
    if (dim) of.push(setCriteria("demo", name, dim));
  }
  if (d.Location?.Country) of.push(setCriteria("country", "", d.Location.Country));
  const recency = d.Behavior?.Recency;
  if (recency) {
    const active: Criteria = { op: "fact", kind: "recency", name: "", match: { cmp: ">=", num: now - DURATIONS[recency.Duration!] } };
    of.push(recency.RecencyType === "INACTIVE" ? { op: "not", of: active } : active);
  }
  return { op: "all", of };
}

/**
 * The criteria a (checked) EventDimensions object selects, over an event's facts (`eventFacts`):
 * its `Attributes` as `attr`, its `Metrics` as `metric`, its `EventType` as `event`.
 */
export function eventDimensionCriteria(d: EventDimensions): Criteria {
  const of: Criteria[] = [];
  for (const [name, dim] of Object.entries(d.Attributes ?? {})) of.push(attributeCriteria("attr", name, dim));
  of.push(...metricCriteria(d.Metrics));
  if (d.EventType) of.push(setCriteria("event", "EventType", d.EventType));
  return { op: "all", of };
}
