/**
 * Property: for random endpoints and random segments (dimensions of every documented type, and
 * segment groups over source segments), the endpoints the database selects are exactly those the
 * in-memory reference evaluator selects, on both stores.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import type { EndpointBatchItem, SegmentDimensions, WriteSegmentRequest } from "@aws-sdk/client-pinpoint";
import { AppService } from "../../../src/pinpoint/apps/service.js";
import { EndpointService } from "../../../src/pinpoint/endpoints/service.js";
import { SegmentService } from "../../../src/pinpoint/segments/service.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../../helpers.js";
import { inSegment } from "./oracle.js";
import { dimensions, endpoint } from "./arbitraries.js";
import { ApiError } from "../../../src/shared/errors.js";

const TENANT = { accountId: "111122223333", region: "us-east-1" };

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

    async function check(
      items: EndpointBatchItem[],
      [d0, d1]: SegmentDimensions[],
      groupSpec: GroupSpec[],
      groupInclude: "ALL" | "ANY" | "NONE" | undefined,
    ) {
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
        const expected = stored
          .filter((e) => inSegment(e, req, defs, now))
          .map((e) => e.Id!)
          .sort();
        expect(await idsOf(appId, id)).toEqual(expected);
        expect(await segments.size(TENANT, appId, id)).toBe(expected.length);
        if (expected.length > 0 && expected.length < stored.length) partial++;
      }
      await apps.delete(TENANT, appId);
    }
  }, 120_000);
});
