/**
 * Property: for random endpoints and random segments (dimensions of every documented type, and
 * segment groups over source segments), the endpoints the database selects are exactly those the
 * in-memory reference evaluator selects, on both stores.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import type { AttributeDimension, EndpointBatchItem, SegmentDimensions, SetDimension, WriteSegmentRequest } from "@aws-sdk/client-pinpoint";
import { AppService } from "../../src/apps/service.js";
import { EndpointService } from "../../src/endpoints/service.js";
import { SegmentService } from "../../src/segments/service.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../helpers.js";
import { inSegment } from "./oracle.js";
import { ApiError } from "../../src/shared/errors.js";

const TENANT = { accountId: "111122223333", region: "us-east-1" };
const DAY = 86_400_000;

const word = fc.constantFrom("a", "b", "ab", "ba", "Science", "science");
const instant = fc.constantFrom("2024-03-05T10:00:00Z", "2024-03-05T23:30:00-02:00", "2024-03-06", "2024-03-06T00:00:00.000Z", "2024-03-04T12:00:00+05:30", "2025-01-01T00:00:00Z");
const attrValue = fc.oneof(word, instant, fc.constant("not a date"));
const attrMap = fc.record({ A: fc.array(attrValue, { minLength: 1, maxLength: 3 }), When: fc.array(fc.oneof(instant, attrValue), { minLength: 1, maxLength: 2 }) }, { requiredKeys: [] });
const metricValue = fc.constantFrom(-1, 0, 0.5, 1, 2, 2.5, 10);

function endpoint(i: number) {
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
    .map((r): EndpointBatchItem => ({
      Id: `e${i}`,
      ...(r.channel && { ChannelType: r.channel as "EMAIL" | "SMS", Address: r.channel === "EMAIL" ? `e${i}@example.com` : `+1206555${String(1000 + i)}` }),
      Attributes: r.attributes,
      Metrics: r.metrics,
      User: { UserAttributes: r.userAttributes },
      Demographic: { ...(r.platform && { Platform: r.platform }), ...(r.make && { Make: r.make }) },
      ...(r.country && { Location: { Country: r.country } }),
      EffectiveDate: new Date(Date.now() - r.ageDays * DAY - DAY / 2).toISOString(),
    }));
}

const attributeDimension: fc.Arbitrary<AttributeDimension> = fc.oneof(
  fc.record({ AttributeType: fc.constantFrom(undefined, "INCLUSIVE", "EXCLUSIVE", "CONTAINS"), Values: fc.array(attrValue, { minLength: 1, maxLength: 3 }) }),
  fc.record({ AttributeType: fc.constantFrom("BEFORE", "AFTER", "ON"), Values: instant.map((v) => [v]) }),
  fc.tuple(instant, instant).map(([x, y]) => {
    const [lo, hi] = [x, y].sort((p, q) => Date.parse(p.length === 10 ? `${p}T00:00:00Z` : p) - Date.parse(q.length === 10 ? `${q}T00:00:00Z` : q));
    return { AttributeType: "BETWEEN" as const, Values: [lo, hi] };
  }),
) as fc.Arbitrary<AttributeDimension>;

const setDimension = (values: string[]): fc.Arbitrary<SetDimension> =>
  fc.record({ DimensionType: fc.constantFrom(undefined, "INCLUSIVE", "EXCLUSIVE"), Values: fc.subarray(values, { minLength: 1 }) }) as fc.Arbitrary<SetDimension>;

/** One criterion of a SegmentDimensions object; a generated object merges up to two (more would rarely match anything). */
const criterion: fc.Arbitrary<SegmentDimensions> = fc.oneof(
  fc.record({ Attributes: fc.dictionary(fc.constantFrom("A", "When"), attributeDimension, { minKeys: 1, maxKeys: 1 }) }),
  fc.record({ UserAttributes: fc.dictionary(fc.constantFrom("A", "When"), attributeDimension, { minKeys: 1, maxKeys: 1 }) }),
  fc.record({
    Metrics: fc.dictionary(
      fc.constantFrom("m", "n"),
      fc.record({ ComparisonOperator: fc.constantFrom("GREATER_THAN", "LESS_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL", "EQUAL"), Value: metricValue }),
      { minKeys: 1, maxKeys: 1 },
    ),
  }),
  fc.record({ Demographic: fc.oneof(fc.record({ Platform: setDimension(["ios", "android", "web"]) }), fc.record({ Make: setDimension(["apple", "x"]) }), fc.record({ Channel: setDimension(["EMAIL", "SMS"]) })) }),
  fc.record({ Location: fc.record({ Country: setDimension(["US", "DE", "FR"]) }) }),
  fc.record({ Behavior: fc.record({ Recency: fc.record({ Duration: fc.constantFrom("HR_24", "DAY_7", "DAY_14", "DAY_30"), RecencyType: fc.constantFrom("ACTIVE", "INACTIVE") }) }) }),
) as fc.Arbitrary<SegmentDimensions>;

const dimensions: fc.Arbitrary<SegmentDimensions> = fc.array(criterion, { maxLength: 2 }).map((parts) => Object.assign({}, ...parts) as SegmentDimensions);

const include = fc.constantFrom(undefined, "ALL", "ANY", "NONE") as fc.Arbitrary<"ALL" | "ANY" | "NONE" | undefined>;

/** A group segment over the two base segments (ids filled in once they exist). */
const groups = fc.array(
  fc.record({
    sources: fc.subarray([0, 1]),
    SourceType: include,
    Dimensions: fc.array(dimensions, { maxLength: 2 }),
    Type: include,
  }),
  { minLength: 1, maxLength: 2 },
);

type GroupSpec = { sources: number[]; SourceType?: "ALL" | "ANY" | "NONE"; Dimensions: SegmentDimensions[]; Type?: "ALL" | "ANY" | "NONE" };

describe.each(STORE_KINDS)("segment evaluation on %s", (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let apps: AppService;
  let endpoints: EndpointService;
  let segments: SegmentService;

  beforeAll(async () => {
    const dir = tempDir();
    const pg = kind === "postgres" ? await freshPgSchema() : undefined;
    store = await openStore({ dataDir: dir.path, ...(pg && { database: PG_URL, schema: pg.schema }) });
    cleanup = async () => {
      await store.close();
      await pg?.drop();
      dir.remove();
    };
    apps = new AppService(store, 1_000_000);
    endpoints = new EndpointService(store);
    segments = new SegmentService(store);
  });
  afterAll(async () => {
    await cleanup();
  });

  const idsOf = async (appId: string, id: string) => {
    const out: string[] = [];
    for await (const batch of segments.endpointsOf(TENANT, appId, id, undefined, 3)) out.push(...batch.map((e) => e.Id!));
    return out;
  };

  test("the database selects exactly what the reference evaluator selects", async () => {
    // Segments that select some but not all endpoints: the property must not pass vacuously.
    let partial = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 25 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => endpoint(i)))),
        fc.tuple(dimensions, dimensions),
        groups,
        include,
        async (items, [d0, d1], groupSpec, groupInclude) => {
          try {
            await check(items, [d0, d1], groupSpec, groupInclude);
          } catch (err) {
            // ApiError's message is not enumerable; fast-check would print only its code.
            throw err instanceof ApiError ? new Error(`${err.code}: ${err.message}`) : err;
          }
        },
      ),
      { numRuns: kind === "postgres" ? 40 : 80 },
    );
    expect(partial).toBeGreaterThan(20);

    async function check(items: EndpointBatchItem[], [d0, d1]: SegmentDimensions[], groupSpec: GroupSpec[], groupInclude: "ALL" | "ANY" | "NONE" | undefined) {
          const appId = (await apps.create(TENANT, { Name: "prop" })).Id!;
          if (items.length > 0) await endpoints.updateBatch(TENANT, appId, items, "req");
          const stored = await Promise.all(items.map((i) => endpoints.get(TENANT, appId, i.Id!)));
          const defs = new Map<string, WriteSegmentRequest>();
          const base: string[] = [];
          for (const d of [d0, d1]) {
            const req: WriteSegmentRequest = { Dimensions: d };
            const s = await segments.create(TENANT, appId, req);
            defs.set(s.Id!, req);
            base.push(s.Id!);
          }
          const groupReq: WriteSegmentRequest = {
            SegmentGroups: {
              ...(groupInclude && { Include: groupInclude }),
              Groups: groupSpec.map((g) => ({
                SourceSegments: g.sources.map((i) => ({ Id: base[i] })),
                ...(g.SourceType && { SourceType: g.SourceType }),
                Dimensions: g.Dimensions,
                ...(g.Type && { Type: g.Type }),
              })),
            },
          };
          const grouped = await segments.create(TENANT, appId, groupReq);
          defs.set(grouped.Id!, groupReq);
          const now = Date.now();
          for (const [id, req] of defs) {
            const expected = stored.filter((e) => inSegment(e, req, defs, now)).map((e) => e.Id!).sort();
            expect(await idsOf(appId, id)).toEqual(expected);
            expect(await segments.size(TENANT, appId, id)).toBe(expected.length);
            if (expected.length > 0 && expected.length < stored.length) partial++;
          }
          await apps.delete(TENANT, appId);
    }
  }, 120_000);
});
