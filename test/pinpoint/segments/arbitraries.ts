/** Random endpoints and segment dimensions of every documented type, for the segment property tests. */
import fc from "fast-check";
import type { AttributeDimension, EndpointBatchItem, SegmentDimensions, SetDimension } from "@aws-sdk/client-pinpoint";

export const DAY = 86_400_000;

const word = fc.constantFrom("a", "b", "ab", "ba", "Science", "science");
const instant = fc.constantFrom(
  "2024-03-05T10:00:00Z",
  "2024-03-05T23:30:00-02:00",
  "2024-03-06",
  "2024-03-06T00:00:00.000Z",
  "2024-03-04T12:00:00+05:30",
  "2025-01-01T00:00:00Z",
);
const attrValue = fc.oneof(word, instant, fc.constant("not a date"));
const attrMap = fc.record(
  { A: fc.array(attrValue, { minLength: 1, maxLength: 3 }), When: fc.array(fc.oneof(instant, attrValue), { minLength: 1, maxLength: 2 }) },
  { requiredKeys: [] },
);
const metricValue = fc.constantFrom(-1, 0, 0.5, 1, 2, 2.5, 10);

export function endpoint(i: number) {
  return fc
    .record({
      channel: fc.constantFrom(undefined, "EMAIL", "SMS"),
      attributes: attrMap,
      userAttributes: attrMap,
      metrics: fc.dictionary(fc.constantFrom("m", "n"), metricValue, { maxKeys: 2 }),
      platform: fc.constantFrom(undefined, "ios", "android"),
      make: fc.constantFrom(undefined, "apple"),
      country: fc.constantFrom(undefined, "US", "DE"),
      // Whole days plus 12 hours ago: never near a recency cut-off (1, 7, 14 or 30 days).
      ageDays: fc.integer({ min: 0, max: 40 }),
    })
    .map(
      (r): EndpointBatchItem => ({
        Id: `e${i}`,
        ...(r.channel && {
          ChannelType: r.channel as "EMAIL" | "SMS",
          Address: r.channel === "EMAIL" ? `e${i}@example.com` : `+1206555${String(1000 + i)}`,
        }),
        Attributes: r.attributes,
        Metrics: r.metrics,
        User: { UserAttributes: r.userAttributes },
        Demographic: { ...(r.platform && { Platform: r.platform }), ...(r.make && { Make: r.make }) },
        ...(r.country && { Location: { Country: r.country } }),
        EffectiveDate: new Date(Date.now() - r.ageDays * DAY - DAY / 2).toISOString(),
      }),
    );
}

const attributeDimension: fc.Arbitrary<AttributeDimension> = fc.oneof(
  fc.record({
    AttributeType: fc.constantFrom(undefined, "INCLUSIVE", "EXCLUSIVE", "CONTAINS"),
    Values: fc.array(attrValue, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ AttributeType: fc.constantFrom("BEFORE", "AFTER", "ON"), Values: instant.map((v) => [v]) }),
  fc.tuple(instant, instant).map(([x, y]) => {
    const [lo, hi] = [x, y].sort(
      (p, q) => Date.parse(p.length === 10 ? `${p}T00:00:00Z` : p) - Date.parse(q.length === 10 ? `${q}T00:00:00Z` : q),
    );
    return { AttributeType: "BETWEEN" as const, Values: [lo, hi] };
  }),
) as fc.Arbitrary<AttributeDimension>;

const setDimension = (values: string[]): fc.Arbitrary<SetDimension> =>
  fc.record({
    DimensionType: fc.constantFrom(undefined, "INCLUSIVE", "EXCLUSIVE"),
    Values: fc.subarray(values, { minLength: 1 }),
  }) as fc.Arbitrary<SetDimension>;

/** One criterion of a SegmentDimensions object; a generated object merges up to two (more would rarely match anything). */
const criterion: fc.Arbitrary<SegmentDimensions> = fc.oneof(
  fc.record({ Attributes: fc.dictionary(fc.constantFrom("A", "When"), attributeDimension, { minKeys: 1, maxKeys: 1 }) }),
  fc.record({ UserAttributes: fc.dictionary(fc.constantFrom("A", "When"), attributeDimension, { minKeys: 1, maxKeys: 1 }) }),
  fc.record({
    Metrics: fc.dictionary(
      fc.constantFrom("m", "n"),
      fc.record({
        ComparisonOperator: fc.constantFrom("GREATER_THAN", "LESS_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL", "EQUAL"),
        Value: metricValue,
      }),
      { minKeys: 1, maxKeys: 1 },
    ),
  }),
  fc.record({
    Demographic: fc.oneof(
      fc.record({ Platform: setDimension(["ios", "android", "web"]) }),
      fc.record({ Make: setDimension(["apple", "x"]) }),
      fc.record({ Channel: setDimension(["EMAIL", "SMS"]) }),
    ),
  }),
  fc.record({ Location: fc.record({ Country: setDimension(["US", "DE", "FR"]) }) }),
  fc.record({
    Behavior: fc.record({
      Recency: fc.record({
        Duration: fc.constantFrom("HR_24", "DAY_7", "DAY_14", "DAY_30"),
        RecencyType: fc.constantFrom("ACTIVE", "INACTIVE"),
      }),
    }),
  }),
) as fc.Arbitrary<SegmentDimensions>;

export const dimensions: fc.Arbitrary<SegmentDimensions> = fc
  .array(criterion, { maxLength: 2 })
  .map((parts) => Object.assign({}, ...parts) as SegmentDimensions);
