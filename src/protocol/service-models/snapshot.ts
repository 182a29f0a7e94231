/**
 * Builds the service-model snapshot (see format.ts) from an installed SDK client. Used by
 * scripts/service-models.mjs, which writes the files, and by the test that checks they are current;
 * the server itself only loads them (load.ts).
 */
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";
import type { StaticOperation } from "../model.js";
import {
  OPERATION,
  REGENERATE_COMMAND,
  SERVICE_SDKS,
  refPositions,
  type SnapshotFile,
  type SnapshotService,
  type StoredRef,
} from "./format.js";

type Schema = unknown[];

const isStaticSchema = (v: unknown): v is Schema => Array.isArray(v) && v.length >= 5;
const isMember = (v: unknown): v is [unknown, unknown] => Array.isArray(v) && v.length === 2;
const shapeId = (s: Schema): string => `${String(s[1])}#${String(s[2])}`;

/** The operations of an SDK module's exports: every `X$` that is an operation schema, by name. */
export function operationsOf(sdk: Record<string, unknown>): StaticOperation[] {
  return Object.entries(sdk)
    .filter(([key, value]) => key.endsWith("$") && isStaticSchema(value) && value[0] === OPERATION && typeof value[2] === "string")
    .map(([, value]) => value as unknown as StaticOperation)
    .sort((a, b) => a[2].localeCompare(b[2]));
}

/** The static schema a ref points at (through functions and member wrappers), if it is one. */
function target(ref: unknown): Schema | undefined {
  if (typeof ref === "function") return target(ref());
  if (isMember(ref)) return target(ref[0]);
  return isStaticSchema(ref) ? ref : undefined;
}

function refsOf(schema: Schema): unknown[] {
  const { single, list } = refPositions(schema[0]);
  return [...single.map((p) => schema[p]), ...(list === undefined ? [] : (schema[list] as unknown[]))];
}

/** Every shape reachable from the operations' inputs; outputs are not read by the server. */
function inputShapes(operations: StaticOperation[]): Schema[] {
  const seen = new Set<Schema>();
  const visit = (ref: unknown) => {
    const schema = target(ref);
    if (!schema || seen.has(schema)) return;
    seen.add(schema);
    refsOf(schema).forEach(visit);
  };
  for (const op of operations) visit(op[4]);
  return [...seen];
}

/** Traits and names must come back from JSON exactly as they are: plain data only. */
function assertJsonData(value: unknown, where: string): void {
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(value) ?? "null"), value)) {
    throw new Error(`${where} is not plain JSON data: ${String(value)}`);
  }
}

function encodeRef(ref: unknown, index: Map<Schema, number>, where: string): StoredRef {
  if (typeof ref === "number" || typeof ref === "string") return ref;
  if (isMember(ref)) {
    assertJsonData(ref[1], `${where} member traits`);
    return [encodeRef(ref[0], index, where), ref[1]];
  }
  const schema = target(ref);
  const i = schema && index.get(schema);
  if (i === undefined) throw new Error(`${where}: unsupported schema ref ${String(ref)}`);
  if (typeof ref === "function") {
    if (ref.length !== 0 || ref() !== schema) throw new Error(`${where}: a function ref must take no arguments and return a schema`);
    return { $fn: i };
  }
  return { $ref: i };
}

function encodeSchema(schema: Schema, index: Map<Schema, number>): unknown[] {
  const where = shapeId(schema);
  const { single, list } = refPositions(schema[0]);
  // The server reads only inputs: an operation's output is stored as the unit schema.
  const source = schema[0] === OPERATION ? [...schema.slice(0, 5), "unit"] : schema;
  return source.map((value, p) => {
    if (single.includes(p)) return encodeRef(value, index, where);
    if (p === list) return (value as unknown[]).map((ref) => encodeRef(ref, index, where));
    assertJsonData(value, `${where}[${p}]`);
    return value;
  });
}

/** The snapshot of one SDK client's operations and the shapes their inputs reach. */
export function snapshotOf(sdk: Record<string, unknown>, source: { sdk: string; version: string }): SnapshotFile {
  const operations = operationsOf(sdk);
  // By shape id; the SDK writes some shapes inline more than once (one array each), and those keep
  // their order of discovery, which the sort leaves as it is.
  const shapes = inputShapes(operations).sort((a, b) => shapeId(a).localeCompare(shapeId(b)));
  const schemas: Schema[] = [...operations, ...shapes];
  const index = new Map(schemas.map((s, i) => [s, i]));
  return {
    about: `Generated from ${source.sdk} ${source.version} by \`${REGENERATE_COMMAND}\`; do not edit by hand.`,
    ...source,
    schemas: schemas.map((s) => encodeSchema(s, index)),
  };
}

/** The snapshot of a service as the installed SDK gives it. */
export async function installedSnapshot(service: SnapshotService): Promise<SnapshotFile> {
  const pkg = SERVICE_SDKS[service];
  const { version } = createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string };
  return snapshotOf((await import(pkg)) as Record<string, unknown>, { sdk: pkg, version });
}

/** The file's text: one schema a line, so an SDK bump reads as a diff of the shapes that changed. */
export function renderSnapshot(file: SnapshotFile): string {
  const { schemas, ...head } = file;
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  return `{\n${lines.join("\n")}\n  "schemas": [\n${schemas.map((s) => `    ${JSON.stringify(s)}`).join(",\n")}\n  ]\n}\n`;
}
