/**
 * Random CreateSegment / UpdateSegment bodies, signed and sent raw, never cause a 5xx: every
 * answer is a 2xx or a typed 4xx, and every segment that was created can be evaluated.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, startTestServer, type TestServer } from "../../helpers.js";
import { signedCall } from "../../raw-http.js";
import { SegmentService } from "../../../src/pinpoint/segments/service.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

let server: TestServer;
let appId: string;
beforeAll(async () => {
  server = await startTestServer("sqlite");
  appId = (await signedCall(server.port, ACCOUNT_A, "POST", "/v1/apps", { body: { Name: "fuzz" } })).json.Id;
  await signedCall(server.port, ACCOUNT_A, "POST", `/v1/apps/${appId}/endpoints`, {
    body: {
      Item: [
        { Id: "a", ChannelType: "EMAIL", Address: "a@example.com", Attributes: { A: ["x", "2024-01-01"] }, Metrics: { m: 1 } },
        { Id: "b", Attributes: { A: ["y"] } },
      ],
    },
  });
});
afterAll(async () => {
  await server?.dispose();
});

const junk = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, junk);
const attr = fc.record(
  {
    AttributeType: maybe(fc.constantFrom("INCLUSIVE", "EXCLUSIVE", "CONTAINS", "BEFORE", "AFTER", "ON", "BETWEEN", "NOT_BETWEEN", "")),
    Values: maybe(
      fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("2024-01-01", "2024-01-01T00:00:00Z", "2024-13-40")), {
        maxLength: 3,
      }),
    ),
  },
  { requiredKeys: [] },
);
const set = fc.record(
  {
    DimensionType: maybe(fc.constantFrom("INCLUSIVE", "EXCLUSIVE")),
    Values: maybe(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const dims = fc.record(
  {
    Attributes: maybe(fc.dictionary(fc.string({ maxLength: 4 }), maybe(attr), { maxKeys: 2 })),
    UserAttributes: maybe(fc.dictionary(fc.string({ maxLength: 4 }), maybe(attr), { maxKeys: 2 })),
    Metrics: maybe(
      fc.dictionary(
        fc.string({ maxLength: 2 }),
        fc.record({ ComparisonOperator: maybe(fc.constantFrom("EQUAL", "GREATER_THAN")), Value: maybe(fc.double()) }, { requiredKeys: [] }),
        { maxKeys: 2 },
      ),
    ),
    Demographic: maybe(fc.record({ Platform: maybe(set), Channel: maybe(set), DeviceType: maybe(set) }, { requiredKeys: [] })),
    Location: maybe(fc.record({ Country: maybe(set), GPSPoint: junk }, { requiredKeys: [] })),
    Behavior: maybe(
      fc.record(
        {
          Recency: maybe(
            fc.record(
              { Duration: maybe(fc.constantFrom("HR_24", "DAY_7")), RecencyType: maybe(fc.constantFrom("ACTIVE", "INACTIVE")) },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

describe("segment request fuzzing", () => {
  test("random bodies never cause a 5xx, and every created segment evaluates", async () => {
    const created: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            Name: maybe(fc.string({ maxLength: 6 })),
            Dimensions: maybe(dims),
            SegmentGroups: maybe(
              fc.record(
                {
                  Include: maybe(fc.constantFrom("ALL", "ANY", "NONE")),
                  Groups: maybe(
                    fc.array(
                      fc.record(
                        {
                          Dimensions: maybe(fc.array(maybe(dims), { maxLength: 2 })),
                          SourceSegments: maybe(
                            fc.array(
                              fc.record(
                                { Id: maybe(fc.constantFrom("nope", "")), Version: maybe(fc.integer({ min: -1, max: 3 })) },
                                { requiredKeys: [] },
                              ),
                              { maxLength: 2 },
                            ),
                          ),
                          Type: maybe(fc.constantFrom("ALL", "ANY")),
                          SourceType: junk,
                        },
                        { requiredKeys: [] },
                      ),
                      { maxLength: 2 },
                    ),
                  ),
                },
                { requiredKeys: [] },
              ),
            ),
            tags: maybe(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 })),
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        async (body, update) => {
          const path = update && created.length > 0 ? `/v1/apps/${appId}/segments/${created[0]}` : `/v1/apps/${appId}/segments`;
          const r = await signedCall(server.port, ACCOUNT_A, update && created.length > 0 ? "PUT" : "POST", path, { body });
          expect(r.status, r.text).toBeLessThan(500);
          if (r.status >= 400) {
            expect(["BadRequestException", "NotFoundException"]).toContain(r.headers["x-amzn-errortype"]);
            return;
          }
          created.push(r.json.Id);
          // A segment the API accepted evaluates: no error of any kind (kills the mutant whose size() always throws a 400).
          const size = await new SegmentService(server.store).size(TENANT, appId, r.json.Id);
          expect(Number.isInteger(size) && size >= 0, String(size)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(created.length).toBeGreaterThan(5);
  }, 120_000);
});
