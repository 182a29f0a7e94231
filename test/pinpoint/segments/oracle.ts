/**
 * A straightforward in-memory segment evaluator, written from the AttributeDimension,
 * MetricDimension, SetDimension, RecencyDimension and SegmentGroup descriptions in the Amazon
 * Pinpoint API reference: the reference the SQL evaluation is checked against.
 */
import type { AttributeDimension, EndpointResponse, SegmentDimensions, SetDimension, WriteSegmentRequest } from "@aws-sdk/client-pinpoint";
import { parseInstant } from "../../../src/shared/instant.js";

const DAY = 86_400_000;
const DURATION: Record<string, number> = { HR_24: DAY, DAY_7: 7 * DAY, DAY_14: 14 * DAY, DAY_30: 30 * DAY };

function attributeMatches(values: string[], dim: AttributeDimension): boolean {
  const want = dim.Values ?? [];
  const times = values.map(parseInstant).filter((t): t is number => t !== undefined);
  const w = want.map((v) => parseInstant(v)!);
  switch (dim.AttributeType ?? "INCLUSIVE") {
    case "INCLUSIVE":
      return values.some((v) => want.includes(v));
    case "EXCLUSIVE":
      return !values.some((v) => want.includes(v));
    case "CONTAINS":
      return values.some((v) => want.some((x) => v.includes(x)));
    case "BEFORE":
      return times.some((t) => t < w[0]);
    case "AFTER":
      return times.some((t) => t > w[0]);
    case "ON":
      return times.some((t) => Math.floor(t / DAY) === Math.floor(w[0] / DAY));
    case "BETWEEN":
      return times.some((t) => t >= w[0] && t <= w[1]);
    default:
      throw new Error(`unknown type ${dim.AttributeType}`);
  }
}

function setMatches(value: string | undefined, dim: SetDimension): boolean {
  const hit = value !== undefined && (dim.Values ?? []).includes(value);
  return dim.DimensionType === "EXCLUSIVE" ? !hit : hit;
}

export function matchesDimensions(e: EndpointResponse, d: SegmentDimensions, now: number): boolean {
  for (const [name, dim] of Object.entries(d.Attributes ?? {})) if (!attributeMatches(e.Attributes?.[name] ?? [], dim)) return false;
  for (const [name, dim] of Object.entries(d.UserAttributes ?? {}))
    if (!attributeMatches(e.User?.UserAttributes?.[name] ?? [], dim)) return false;
  for (const [name, dim] of Object.entries(d.Metrics ?? {})) {
    const v = e.Metrics?.[name];
    if (v === undefined) return false;
    const ok = {
      GREATER_THAN: v > dim.Value!,
      LESS_THAN: v < dim.Value!,
      GREATER_THAN_OR_EQUAL: v >= dim.Value!,
      LESS_THAN_OR_EQUAL: v <= dim.Value!,
      EQUAL: v === dim.Value!,
    }[dim.ComparisonOperator!];
    if (!ok) return false;
  }
  const demo = d.Demographic ?? {};
  if (demo.Channel && !setMatches(e.ChannelType, demo.Channel)) return false;
  for (const name of ["AppVersion", "Make", "Model", "Platform"] as const) {
    if (demo[name] && !setMatches(e.Demographic?.[name], demo[name]!)) return false;
  }
  if (d.Location?.Country && !setMatches(e.Location?.Country, d.Location.Country)) return false;
  const r = d.Behavior?.Recency;
  if (r) {
    const active = Date.parse(e.EffectiveDate!) >= now - DURATION[r.Duration!];
    if (active !== (r.RecencyType === "ACTIVE")) return false;
  }
  return true;
}

function combine(how: string | undefined, results: boolean[], fallback: string): boolean {
  switch (how ?? fallback) {
    case "ANY":
      return results.some(Boolean);
    case "NONE":
      return !results.some(Boolean);
    default:
      return results.every(Boolean);
  }
}

/** Whether `e` is in the segment `req`; `sources` holds the definitions of segments it names. */
export function inSegment(e: EndpointResponse, req: WriteSegmentRequest, sources: Map<string, WriteSegmentRequest>, now: number): boolean {
  if (req.Dimensions) return matchesDimensions(e, req.Dimensions, now);
  if (!req.SegmentGroups) return true;
  const groups = (req.SegmentGroups.Groups ?? []).map((g) => {
    const parts: boolean[] = [];
    if ((g.SourceSegments ?? []).length > 0)
      parts.push(
        combine(
          g.SourceType,
          g.SourceSegments!.map((s) => inSegment(e, sources.get(s.Id!)!, sources, now)),
          "ANY",
        ),
      );
    if ((g.Dimensions ?? []).length > 0)
      parts.push(
        combine(
          g.Type,
          g.Dimensions!.map((d) => matchesDimensions(e, d, now)),
          "ALL",
        ),
      );
    return parts.every(Boolean);
  });
  return combine(req.SegmentGroups.Include, groups, "ALL");
}
