/**
 * Property: criteria evaluated in memory over an endpoint's facts (what campaign event filters use)
 * select exactly what the reference evaluator selects, for random endpoints and dimensions of every
 * documented type; the SQL evaluation is held to the same reference by property.test.ts.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { mergeEndpoint } from "../../../src/pinpoint/endpoints/service.js";
import { matchesCriteria } from "../../../src/pinpoint/segments/criteria-match.js";
import { dimensionCriteria } from "../../../src/pinpoint/segments/dimensions.js";
import { endpointFacts } from "../../../src/store/endpoint-facts.js";
import { dimensions, endpoint } from "./arbitraries.js";
import { matchesDimensions } from "./oracle.js";

describe("in-memory criteria", () => {
  test("agree with the reference evaluator", () => {
    const now = Date.now();
    fc.assert(
      fc.property(endpoint(0), dimensions, (item, d) => {
        const { Id, ...req } = item;
        const doc = mergeEndpoint(undefined, Id!, req, { appId: "app", requestId: "r", now: new Date(now).toISOString() });
        expect(matchesCriteria(dimensionCriteria(d, now), endpointFacts(doc))).toBe(matchesDimensions(doc, d, now));
      }),
      { numRuns: 2000 },
    );
  });
});
