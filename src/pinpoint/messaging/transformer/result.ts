/**
 * What the send pipeline keeps from a transformer's result. Amazon Pinpoint's contract ("Create a
 * Lambda function for Amazon Pinpoint to invoke for a recommender model", Developer Guide): the
 * function returns the endpoint definitions it received, each with one added `Recommendations`
 * object holding the configuration's custom attributes (names as in the configuration's
 * `Attributes`, without the `Recommendations.` prefix), each value a string or an array of strings.
 * Everything else the function changes is ignored: messages render the endpoint as stored.
 */
import { attributeName } from "../../recommenders/validate.js";
import type { Tenant } from "../../../store/types.js";
import type { TransformerEvent, TransformerInvoker } from "../contracts.js";

/** Custom recommended attributes by bare name (`Title` for `{{Recommendations.Title}}`), values in order. */
export type CustomAttributes = Record<string, string[]>;

/** Values per attribute: Pinpoint's `{{#each}}` renders at most 15 list items. */
export const MAX_ATTRIBUTE_VALUES = 15;
/** Characters per value: room for an HTML snippet per item, not for a page. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 32_768;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);
const own = (object: Json, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" || typeof value === "undefined" ? `an ${typeof value}` : `a ${typeof value}`;
}

/**
 * The endpoint map inside a result: the bare map (what AWS's sample functions return), or the
 * map under `Endpoints` (the documentation's example, and a function that returns the whole event
 * it was given). A top-level `Endpoints` key is taken as the wrapper unless the result also has
 * other keys naming endpoints, or "Endpoints" is itself an endpoint id whose definition it holds.
 */
function endpointMap(event: TransformerEvent, result: Json): Json {
  const wrapped = own(result, "Endpoints");
  if (!isObject(wrapped)) return result;
  const sent = event.Endpoints;
  if (Object.keys(result).some((key) => key !== "Endpoints" && Object.hasOwn(sent, key))) return result;
  if (Object.hasOwn(sent, "Endpoints") && ("RecommendationItems" in wrapped || "Recommendations" in wrapped)) return result;
  return wrapped;
}

/** One attribute's values as strings; numbers and booleans are written as JSON would. */
function attributeValues(name: string, value: unknown): string[] | Error {
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_ATTRIBUTE_VALUES) {
    return new Error(
      `The transformer returned ${list.length} values for Recommendations.${name}; at most ${MAX_ATTRIBUTE_VALUES} are kept per attribute`,
    );
  }
  const values: string[] = [];
  for (const item of list) {
    const text =
      typeof item === "string"
        ? item
        : (typeof item === "number" && Number.isFinite(item)) || typeof item === "boolean"
          ? String(item)
          : undefined;
    if (text === undefined) {
      return new Error(
        `The transformer returned ${describe(item)} in Recommendations.${name}; values must be strings or arrays of strings`,
      );
    }
    if (text.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      return new Error(
        `The transformer returned a value of ${text.length} characters in Recommendations.${name}; the limit is ${MAX_ATTRIBUTE_VALUE_LENGTH}`,
      );
    }
    values.push(text);
  }
  return values;
}

function endpointAttributes(definition: unknown, names: string[]): CustomAttributes | Error {
  if (!isObject(definition)) {
    return new Error(`The transformer returned ${describe(definition)} for this endpoint instead of its endpoint definition`);
  }
  const recommendations = own(definition, "Recommendations");
  const attributes: CustomAttributes = {};
  // An endpoint returned without `Recommendations` gets no custom attributes: its message renders
  // those variables from the template's defaults.
  if (recommendations === undefined || recommendations === null) return attributes;
  if (!isObject(recommendations)) {
    return new Error(
      `The transformer returned ${describe(recommendations)} as this endpoint's Recommendations instead of an object of attributes`,
    );
  }
  for (const name of names) {
    const value = own(recommendations, name);
    if (value === undefined || value === null) continue;
    const values = attributeValues(name, value);
    if (values instanceof Error) return values;
    attributes[name] = values;
  }
  return attributes;
}

/**
 * Validates and filters one invocation's result. For every endpoint of the event sent: the
 * configured custom attributes it returned, or an Error (its message fit for the recipient's
 * `StatusMessage`) when the result omits the endpoint or its definition is malformed; such an
 * endpoint is not sent. Endpoints the event did not contain are ignored.
 *
 * @param attributes the configuration's `Attributes` (keys `Title` or `Recommendations.Title`)
 */
export function readTransformerResult(
  event: TransformerEvent,
  result: unknown,
  attributes: Record<string, string>,
): Map<string, CustomAttributes | Error> {
  const out = new Map<string, CustomAttributes | Error>();
  const ids = Object.keys(event.Endpoints);
  if (!isObject(result)) {
    const err = new Error(`The transformer returned ${describe(result)} instead of an object of endpoint definitions`);
    for (const id of ids) out.set(id, err);
    return out;
  }
  const map = endpointMap(event, result);
  const names = Object.keys(attributes).map(attributeName);
  for (const id of ids) {
    out.set(
      id,
      Object.hasOwn(map, id) ? endpointAttributes(map[id], names) : new Error("The transformer's result does not include this endpoint"),
    );
  }
  return out;
}

/**
 * One batch through a transformer: invokes it and reads the result. Never rejects: a failed
 * invocation (after its attempts) becomes that Error for every endpoint of the batch.
 */
export async function transformBatch(
  invoker: TransformerInvoker,
  tenant: Tenant,
  functionUri: string,
  event: TransformerEvent,
  attributes: Record<string, string>,
): Promise<Map<string, CustomAttributes | Error>> {
  let result: unknown;
  try {
    result = await invoker.invoke(tenant, functionUri, event);
  } catch (err) {
    const failure = err instanceof Error ? err : new Error(String(err));
    return new Map(Object.keys(event.Endpoints).map((id) => [id, failure]));
  }
  return readTransformerResult(event, result, attributes);
}
