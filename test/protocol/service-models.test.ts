/**
 * The committed service-model snapshots (src/protocol/service-models/*.json) against the installed
 * AWS SDK clients they were generated from: the files must be what the generator writes today (so
 * an SDK bump without regenerating fails here), loading one must rebuild the SDK's static-schema
 * arrays (kinds, traits, function refs, sharing) for everything an operation's input reaches, and
 * the service model the server routes and parses by must be the same either way.
 */
import { readFileSync } from "node:fs";
import type { NormalizedSchema } from "@smithy/core/schema";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { requiredMembers, serviceModel, type OperationModel, type StaticOperation } from "../../src/protocol/model.js";
import {
  OPERATION,
  REGENERATE_COMMAND,
  SERVICE_SDKS,
  refPositions,
  type SnapshotService,
} from "../../src/protocol/service-models/format.js";
import { decodeSnapshot, loadServiceModel } from "../../src/protocol/service-models/load.js";
import { installedSnapshot, operationsOf, renderSnapshot, snapshotOf } from "../../src/protocol/service-models/snapshot.js";

const SERVICES = Object.keys(SERVICE_SDKS) as SnapshotService[];
const committedPath = (service: SnapshotService) => new URL(`../../src/protocol/service-models/${service}.json`, import.meta.url);
const sdkOperations = async (service: SnapshotService) => operationsOf((await import(SERVICE_SDKS[service])) as Record<string, unknown>);

/**
 * Walks an SDK schema ref and a loaded one side by side: same sentinels, member traits, function or
 * not, kinds, plain data; one loaded array per SDK array (shared where the SDK shares it).
 */
function expectSameRef(sdk: unknown, loaded: unknown, pairs: Map<unknown, unknown>, where: string): void {
  expect(typeof loaded, `${where}: kind of ref`).toBe(typeof sdk);
  if (typeof sdk === "function") return expectSameRef(sdk(), (loaded as () => unknown)(), pairs, where);
  if (!Array.isArray(sdk)) return expect(loaded, where).toEqual(sdk);
  expect(Array.isArray(loaded) && loaded.length, `${where}: array length`).toBe(sdk.length);
  const other = loaded as unknown[];
  if (sdk.length === 2) {
    expect(other[1], `${where}: member traits`).toEqual(sdk[1]);
    return expectSameRef(sdk[0], other[0], pairs, where);
  }
  if (pairs.has(sdk)) return expect(pairs.get(sdk) === loaded, `${where}: shared as in the SDK`).toBe(true);
  pairs.set(sdk, loaded);
  const at = `${String(sdk[1])}#${String(sdk[2])}`;
  const { single, list } = refPositions(sdk[0]);
  sdk.forEach((value, p) => {
    if (sdk[0] === OPERATION && p === 5) return; // outputs are stored as unit: the server reads inputs only
    if (single.includes(p)) expectSameRef(value, other[p], pairs, `${at}[${p}]`);
    else if (p === list)
      (value as unknown[]).forEach((ref, i) => expectSameRef(ref, (other[p] as unknown[])[i], pairs, `${at}.${(sdk[4] as string[])[i]}`));
    else expect(other[p], `${at}[${p}]`).toEqual(value);
  });
}

/** What the protocol code can read from a schema: kinds, traits, members, required members; named shapes once, in `shapes`. */
function shapeOf(schema: NormalizedSchema, shapes: Map<string, unknown>): unknown {
  const id = schema.getName(true);
  const named = typeof id === "string" && id.includes("#");
  const ref = { shape: named ? id : undefined, memberTraits: schema.getMemberTraits() };
  if (named && shapes.has(id)) return ref;
  if (named) shapes.set(id, "(being described)");
  const kinds = [
    "Struct",
    "Union",
    "List",
    "Map",
    "String",
    "Blob",
    "Boolean",
    "Numeric",
    "BigInteger",
    "BigDecimal",
    "Timestamp",
    "Document",
    "Unit",
  ] as const;
  const kind = kinds.filter((k) => (schema[`is${k}Schema`] as () => boolean).call(schema));
  const own: Record<string, unknown> = { kind, traits: schema.getOwnTraits() };
  if (schema.isStructSchema()) {
    own.members = [...schema.structIterator()].map(([member, m]) => [member, shapeOf(m, shapes)]);
    own.required = requiredMembers(schema);
  } else if (schema.isListSchema() || schema.isMapSchema()) {
    own.value = shapeOf(schema.getValueSchema(), shapes);
  }
  if (!named) return { ...ref, ...own };
  shapes.set(id, own);
  return ref;
}

function operationOf(op: OperationModel, shapes: Map<string, unknown>) {
  return {
    method: op.method,
    uri: op.uri,
    segments: op.segments,
    successCode: op.successCode,
    labels: op.labels,
    queries: op.queries.map((q) => ({ member: q.member, wireName: q.wireName, schema: shapeOf(q.schema, shapes) })),
    payload: op.payload && { ...op.payload, schema: shapeOf(op.payload.schema, shapes) },
    bodyMembers: [...op.bodyMembers].map(([member, schema]) => [member, shapeOf(schema, shapes)]),
    requiredBodyMembers: op.requiredBodyMembers,
    input: shapeOf(op.input, shapes),
  };
}

/** The service model as the server builds it, with every operation implemented so every input is read. */
function modelOf(operations: readonly StaticOperation[]) {
  const names = operations.map((op) => op[2]);
  // A JSON-protocol service's operations carry no http trait (every one is `POST /`, routed by X-Amz-Target).
  const jsonTarget = operations.every((op) => op[3].http === undefined) ? "Test" : undefined;
  const model = serviceModel(operations, { name: "test", title: "Test", signingName: "test", jsonTarget }, names);
  const shapes = new Map<string, unknown>();
  const ops = [...model.operations.values()].map((op) => [op.name, operationOf(op, shapes)] as const);
  return { ops, shapes };
}

describe.each(SERVICES)("service model snapshot %s", (service) => {
  it("is what the installed SDK gives (else regenerate it)", async () => {
    const fresh = await installedSnapshot(service);
    const committed = JSON.parse(readFileSync(committedPath(service), "utf8"));
    const stale = `src/protocol/service-models/${service}.json is not what ${fresh.sdk} ${fresh.version} gives: run \`${REGENERATE_COMMAND}\` and commit the result`;
    expect(isDeepStrictEqual(committed, JSON.parse(renderSnapshot(fresh))), stale).toBe(true);
  });

  it("loads into the SDK's own static-schema arrays for every operation input", async () => {
    const sdk = await sdkOperations(service);
    const loaded = loadServiceModel(service);
    expect(loaded.map((op) => op[2])).toEqual(sdk.map((op) => op[2]));
    const pairs = new Map<unknown, unknown>();
    sdk.forEach((op, i) => expectSameRef(op, loaded[i], pairs, op[2]));
    // One loaded array per SDK array: nothing the SDK shares is duplicated, nothing distinct merged.
    expect(new Set(pairs.values()).size).toBe(pairs.size);
  });

  it("gives the server the same service model as the SDK module: routes, bindings, members, types", async () => {
    const fromSdk = modelOf(await sdkOperations(service));
    const fromSnapshot = modelOf(loadServiceModel(service));
    expect(fromSnapshot.ops.map(([name]) => name)).toEqual(fromSdk.ops.map(([name]) => name));
    for (const [i, [name, op]] of fromSdk.ops.entries()) expect(fromSnapshot.ops[i][1], name).toEqual(op);
    expect(Object.fromEntries(fromSnapshot.shapes)).toEqual(Object.fromEntries(fromSdk.shapes));
  });
});

describe("service model snapshot format", () => {
  it("keeps function refs, cycles and numeric or object traits through JSON", () => {
    const ns = "test.ns";
    const node: unknown[] = [3, ns, "Node", { jsonName: "node" }, ["value", "children", "next"], [0, 0, 0], 1];
    const children = [1, ns, "Children", 0, () => node];
    node[5] = [[0, { httpQuery: "v" }], [() => children, 16], () => node];
    const op = [9, ns, "Walk", { http: ["POST", "/walk/{value}", 200] }, () => node, () => "unit"];
    const file = JSON.parse(renderSnapshot(snapshotOf({ Walk$: op, Node$: node }, { sdk: "test-sdk", version: "0.0.0" })));
    const [loaded] = decodeSnapshot(file);
    const pairs = new Map<unknown, unknown>();
    expectSameRef(op, loaded, pairs, "Walk");
    const loadedNode = (loaded[4] as () => unknown[])();
    expect(((loadedNode[5] as unknown[])[2] as () => unknown)()).toBe(loadedNode);
  });
});
