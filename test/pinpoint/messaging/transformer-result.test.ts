/** What the pipeline keeps from a transformer's result: configured `Recommendations` attributes, or why not. */
import fc from "fast-check";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalFunctionInvoker } from "../../../src/pinpoint/messaging/transformer/local.js";
import {
  MAX_ATTRIBUTE_VALUES,
  MAX_ATTRIBUTE_VALUE_LENGTH,
  readTransformerResult,
  transformBatch,
} from "../../../src/pinpoint/messaging/transformer/result.js";
import { tempDir } from "../../helpers.js";
import { TENANT, eventWith, writeFunctions } from "./transformer-fixtures.js";

const ATTRIBUTES = { "Recommendations.Title": "Title", Genre: "Genre" };

/** What the event's endpoints look like after a function added `recommendations` to each. */
function answered(n: number, recommendations: (id: string) => unknown): Record<string, unknown> {
  const { Endpoints } = eventWith(n);
  return Object.fromEntries(Object.entries(Endpoints).map(([id, e]) => [id, { ...e, Recommendations: recommendations(id) }]));
}

const messageOf = (value: unknown) => (value instanceof Error ? value.message : value);

describe("readTransformerResult", () => {
  it("keeps the configured attributes of every endpoint, as string lists in order", () => {
    const result = answered(2, (id) => ({ Title: [`${id} a`, `${id} b`], Genre: "Comedy", Price: ["9.99"] }));
    const out = readTransformerResult(eventWith(2), result, ATTRIBUTES);
    expect([...out]).toEqual([
      ["ep-0", { Title: ["ep-0 a", "ep-0 b"], Genre: ["Comedy"] }],
      ["ep-1", { Title: ["ep-1 a", "ep-1 b"], Genre: ["Comedy"] }],
    ]);
  });

  it("accepts the map under Endpoints, and the whole event returned", () => {
    const bare = answered(2, () => ({ Title: ["t"] }));
    const expected = readTransformerResult(eventWith(2), bare, ATTRIBUTES);
    expect(readTransformerResult(eventWith(2), { Endpoints: bare }, ATTRIBUTES)).toEqual(expected);
    expect(readTransformerResult(eventWith(2), { ...eventWith(2), Endpoints: bare }, ATTRIBUTES)).toEqual(expected);
    expect(expected.get("ep-0")).toEqual({ Title: ["t"] });
  });

  it("reads an endpoint whose id is 'Endpoints' from the bare map", () => {
    const event = eventWith(1);
    event.Endpoints = { Endpoints: event.Endpoints["ep-0"] };
    const result = { Endpoints: { ...event.Endpoints.Endpoints, Recommendations: { Title: "mine" } } };
    expect(readTransformerResult(event, result, ATTRIBUTES).get("Endpoints")).toEqual({ Title: ["mine"] });
  });

  it("writes numbers and booleans as text, skips null and unconfigured attributes", () => {
    const out = readTransformerResult(
      eventWith(1),
      answered(1, () => ({ Title: [1.5, true, "x"], Genre: null, Other: "dropped" })),
      ATTRIBUTES,
    );
    expect(out.get("ep-0")).toEqual({ Title: ["1.5", "true", "x"] });
  });

  it("gives an endpoint returned without Recommendations no custom attributes", () => {
    const { Endpoints } = eventWith(1);
    expect(readTransformerResult(eventWith(1), Endpoints, ATTRIBUTES).get("ep-0")).toEqual({});
  });

  it("fails the endpoints the result omits or mangles, and only those", () => {
    const result: Record<string, unknown> = answered(6, () => ({ Title: "ok" }));
    delete result["ep-0"];
    result["ep-1"] = "not an endpoint";
    (result["ep-2"] as Record<string, unknown>).Recommendations = ["Title"];
    (result["ep-3"] as Record<string, unknown>).Recommendations = { Title: [{ nested: true }] };
    (result["ep-4"] as Record<string, unknown>).Recommendations = { Genre: Array.from({ length: MAX_ATTRIBUTE_VALUES + 1 }, () => "g") };
    result["ep-9"] = { Recommendations: { Title: "not sent" } };
    const out = readTransformerResult(eventWith(6), result, ATTRIBUTES);
    expect(Object.fromEntries([...out].map(([id, v]) => [id, messageOf(v)]))).toEqual({
      "ep-0": "The transformer's result does not include this endpoint",
      "ep-1": "The transformer returned a string for this endpoint instead of its endpoint definition",
      "ep-2": "The transformer returned an array as this endpoint's Recommendations instead of an object of attributes",
      "ep-3": "The transformer returned an object in Recommendations.Title; values must be strings or arrays of strings",
      "ep-4": "The transformer returned 16 values for Recommendations.Genre; at most 15 are kept per attribute",
      "ep-5": { Title: ["ok"] },
    });
  });

  it("refuses an overlong value", () => {
    const out = readTransformerResult(
      eventWith(1),
      answered(1, () => ({ Title: "x".repeat(MAX_ATTRIBUTE_VALUE_LENGTH + 1) })),
      ATTRIBUTES,
    );
    expect(messageOf(out.get("ep-0"))).toBe(
      `The transformer returned a value of ${MAX_ATTRIBUTE_VALUE_LENGTH + 1} characters in Recommendations.Title; the limit is ${MAX_ATTRIBUTE_VALUE_LENGTH}`,
    );
  });

  it("does not read inherited properties as endpoints or attributes", () => {
    const event = eventWith(1);
    event.Endpoints = { constructor: event.Endpoints["ep-0"], toString: event.Endpoints["ep-0"] };
    const out = readTransformerResult(event, JSON.parse('{"toString": {"Recommendations": {"constructor": "x", "Title": "t"}}}'), {
      constructor: "C",
      Title: "T",
    });
    expect(messageOf(out.get("constructor"))).toBe("The transformer's result does not include this endpoint");
    expect(out.get("toString")).toEqual({ constructor: ["x"], Title: ["t"] });
  });

  it("answers every endpoint of the event, whatever JSON comes back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.jsonValue(), (n, junk) => {
        const out = readTransformerResult(eventWith(n), junk, ATTRIBUTES);
        expect([...out.keys()]).toEqual(Object.keys(eventWith(n).Endpoints));
        for (const value of out.values()) {
          if (value instanceof Error) continue;
          for (const [name, values] of Object.entries(value)) {
            expect(["Title", "Genre"]).toContain(name);
            expect(values.every((v) => typeof v === "string")).toBe(true);
          }
        }
      }),
    );
  });
});

describe("transformBatch", () => {
  const dir = tempDir("pinrec-functions-");
  const functionsDir = join(dir.path, "functions");
  mkdirSync(functionsDir);
  writeFunctions(functionsDir, join(dir.path, "runs"));
  const invoker = new LocalFunctionInvoker({ functionsDir, workers: 1, attempts: 1 });
  afterAll(async () => {
    await invoker.close();
    dir.remove();
  });

  it("invokes a real function and keeps its titles", async () => {
    const out = await transformBatch(invoker, TENANT, "add-titles", eventWith(50), ATTRIBUTES);
    expect(out.size).toBe(50);
    expect(out.get("ep-49")).toEqual({ Title: ["Title 49", "Title 50", "Title 51"] });
  });

  it("fails the whole batch with the invocation's error, without rejecting", async () => {
    const out = await transformBatch(invoker, TENANT, "throws", eventWith(3), ATTRIBUTES);
    expect([...out.values()].map(messageOf)).toEqual(Array(3).fill("Transformer 'throws' failed: TypeError: no titles for you"));
  });
});
