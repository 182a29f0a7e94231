/**
 * Parses a restJson1 request into an operation's input, checking every member against the JSON
 * types the service model declares. Anything a client could get wrong becomes a 400 naming the
 * member, never an exception deeper in the stack.
 */
import type { NormalizedSchema } from "@smithy/core/schema";
import { badRequest } from "../shared/errors.js";
import { TIMESTAMP_RANGE, timestampMs } from "../shared/timestamps.js";
import { requiredMembers, type OperationModel } from "./model.js";

export type Input = Record<string, unknown>;

function describe(path: string): string {
  return path === "" ? "the request body" : `'${path}'`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks `value` against `schema`, returning it with unknown struct members and nulls dropped. */
export function conform(schema: NormalizedSchema, value: unknown, path: string): unknown {
  if (schema.isStructSchema() || schema.isUnionSchema()) {
    if (!isPlainObject(value)) throw badRequest(`Invalid value for ${describe(path)}: expected a JSON object`);
    // Null prototypes throughout: a key such as `__proto__` must stay data, never vanish.
    const out: Record<string, unknown> = Object.create(null);
    for (const [member, memberSchema] of schema.structIterator()) {
      // A member with a jsonName is spelled that way on the wire (SimpleCondition's `segmentDimensions`).
      const v = value[(memberSchema.getMergedTraits().jsonName as string | undefined) ?? member];
      if (v === undefined || v === null) continue;
      out[member] = conform(memberSchema, v, path ? `${path}.${member}` : member);
    }
    for (const member of requiredMembers(schema)) {
      if (out[member] === undefined) throw badRequest(`Missing required member '${path ? `${path}.` : ""}${member}'`);
    }
    return out;
  }
  if (schema.isListSchema()) {
    if (!Array.isArray(value)) throw badRequest(`Invalid value for ${describe(path)}: expected a JSON array`);
    const item = schema.getValueSchema();
    return value.map((v, i) => conform(item, v, `${path}[${i}]`));
  }
  if (schema.isMapSchema()) {
    if (!isPlainObject(value)) throw badRequest(`Invalid value for ${describe(path)}: expected a JSON object`);
    const item = schema.getValueSchema();
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      if (v === null) throw badRequest(`Invalid value for '${path}.${k}': null is not allowed in a map`);
      out[k] = conform(item, v, `${path}.${k}`);
    }
    return out;
  }
  if (schema.isStringSchema() || schema.isBlobSchema()) {
    if (typeof value !== "string") throw badRequest(`Invalid value for ${describe(path)}: expected a string`);
    return value;
  }
  if (schema.isBooleanSchema()) {
    if (typeof value !== "boolean") throw badRequest(`Invalid value for ${describe(path)}: expected a boolean`);
    return value;
  }
  if (schema.isNumericSchema() || schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw badRequest(`Invalid value for ${describe(path)}: expected a number`);
    }
    return value;
  }
  if (schema.isTimestampSchema()) {
    if (typeof value !== "string" && typeof value !== "number") {
      throw badRequest(`Invalid value for ${describe(path)}: expected a timestamp`);
    }
    if (timestampMs(value) === undefined) {
      throw badRequest(`Invalid value for ${describe(path)}: expected a timestamp from ${TIMESTAMP_RANGE} (epoch seconds or ISO 8601)`);
    }
    return value;
  }
  return value; // documents and anything untyped pass through as JSON
}

function parseQueryValue(schema: NormalizedSchema, raw: string[], name: string): unknown {
  if (schema.isListSchema()) return raw;
  if (raw.length > 1) throw badRequest(`Query parameter '${name}' was given more than once`);
  const v = raw[0];
  if (schema.isBooleanSchema()) {
    if (v === "true") return true;
    if (v === "false") return false;
    throw badRequest(`Query parameter '${name}' must be true or false`);
  }
  if (schema.isNumericSchema()) {
    // Sixteen digits at most: anything longer is beyond exact integers (or Infinity) in JavaScript.
    if (!/^-?\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`Query parameter '${name}' must be an integer`);
    return Number(v);
  }
  return v;
}

/** Parses the body as JSON: an empty body on a payload-bearing operation counts as `{}` (the
 * SDKs send `{}` for an empty `httpPayload` structure; the required-member checks still apply). */
export function parseJsonBody(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return undefined;
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON");
  }
}

export function parseInput(op: OperationModel, labels: Record<string, string>, query: URLSearchParams, body: Buffer | undefined): Input {
  const input: Input = { ...labels };
  for (const q of op.queries) {
    const raw = query.getAll(q.wireName);
    if (raw.length > 0) input[q.member] = parseQueryValue(q.schema, raw, q.wireName);
    else if (q.required) throw badRequest(`Missing required query parameter '${q.wireName}'`);
  }
  const json = parseJsonBody(body);
  if (op.payload) {
    const value = json === undefined ? {} : json;
    input[op.payload.member] = conform(op.payload.schema, value, "");
  } else if (op.bodyMembers.size > 0) {
    const value = json === undefined ? {} : json;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw badRequest("Invalid value for the request body: expected a JSON object");
    }
    for (const [member, schema] of op.bodyMembers) {
      const v = (value as Record<string, unknown>)[member];
      if (v !== undefined && v !== null) input[member] = conform(schema, v, member);
    }
    for (const member of op.requiredBodyMembers) {
      if (input[member] === undefined) throw badRequest(`Missing required member '${member}'`);
    }
  }
  return input;
}
