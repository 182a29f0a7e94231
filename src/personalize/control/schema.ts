/**
 * Personalize dataset schemas: Avro record schemas in JSON
 * (https://docs.aws.amazon.com/personalize/latest/dg/how-it-works-dataset-schema.html), checked
 * when created and again against the dataset type that uses them.
 */
import { invalidInput } from "./errors.js";

export type DatasetType = "INTERACTIONS" | "ITEMS" | "USERS";
export const DATASET_TYPES: DatasetType[] = ["INTERACTIONS", "ITEMS", "USERS"];

export interface SchemaField {
  name: string;
  /** The Avro types the field may hold; "null" among them makes the column optional. */
  types: string[];
  categorical: boolean;
  textual: boolean;
}

const PRIMITIVES = new Set(["string", "int", "long", "float", "double", "boolean", "null"]);
/** CreateSchema's `schema` is at most 10,000 characters. */
const MAX_SCHEMA_CHARS = 10_000;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The fields every dataset of a type needs, with the type Personalize requires of each. */
const REQUIRED: Record<DatasetType, Record<string, string[]>> = {
  INTERACTIONS: { USER_ID: ["string"], ITEM_ID: ["string"], TIMESTAMP: ["long", "int"] },
  ITEMS: { ITEM_ID: ["string"] },
  USERS: { USER_ID: ["string"] },
};

/** Parses and checks an Avro schema's text; an InvalidInputException names what is wrong. */
export function parseSchema(text: unknown): SchemaField[] {
  if (typeof text !== "string" || text.length === 0 || text.length > MAX_SCHEMA_CHARS)
    throw invalidInput(`schema must be an Avro schema in JSON of 1 to ${MAX_SCHEMA_CHARS} characters`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidInput(`schema is not valid JSON: ${(err as Error).message}`);
  }
  const record = json as { type?: unknown; name?: unknown; fields?: unknown };
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw invalidInput("schema must be a JSON object (an Avro record)");
  if (record.type !== "record") throw invalidInput(`schema.type must be "record", not ${JSON.stringify(record.type)}`);
  if (typeof record.name !== "string" || record.name.length === 0) throw invalidInput("schema.name must be a non-empty string");
  if (!Array.isArray(record.fields) || record.fields.length === 0) throw invalidInput("schema.fields must be a non-empty array");
  const seen = new Set<string>();
  return record.fields.map((raw, i) => {
    const f = raw as { name?: unknown; type?: unknown; categorical?: unknown; textual?: unknown };
    if (typeof raw !== "object" || raw === null) throw invalidInput(`schema.fields[${i}] must be an object with name and type`);
    if (typeof f.name !== "string" || !FIELD_NAME.test(f.name))
      throw invalidInput(`schema.fields[${i}].name must be letters, digits or '_', not starting with a digit`);
    const upper = f.name.toUpperCase();
    if (seen.has(upper)) throw invalidInput(`schema.fields[${i}]: field ${f.name} appears twice`);
    seen.add(upper);
    const types = Array.isArray(f.type) ? f.type : [f.type];
    if (types.length === 0 || types.some((t) => typeof t !== "string" || !PRIMITIVES.has(t)))
      throw invalidInput(`schema.fields[${i}] (${f.name}): type must be one of ${[...PRIMITIVES].join(", ")} or a union of them`);
    if (types.length === 1 && types[0] === "null") throw invalidInput(`schema.fields[${i}] (${f.name}): type cannot be only "null"`);
    if (f.categorical !== undefined && typeof f.categorical !== "boolean")
      throw invalidInput(`schema.fields[${i}] (${f.name}): categorical must be true or false`);
    if (f.categorical === true && !types.includes("string"))
      throw invalidInput(`schema.fields[${i}] (${f.name}): only string fields can be categorical`);
    return { name: f.name, types: types as string[], categorical: f.categorical === true, textual: f.textual === true };
  });
}

/** Checks that a schema fits a dataset type: its required fields present, with the types Personalize requires. */
export function checkSchemaFor(type: DatasetType, fields: SchemaField[]): void {
  for (const [name, allowed] of Object.entries(REQUIRED[type])) {
    const f = fields.find((x) => x.name.toUpperCase() === name);
    if (!f) throw invalidInput(`The schema has no ${name} field, which a ${type} dataset requires`);
    if (f.types.includes("null") || !f.types.some((t) => allowed.includes(t)))
      throw invalidInput(`The schema's ${name} field must be of type ${allowed.join(" or ")} (not nullable) for a ${type} dataset`);
  }
}

/** The columns of a CSV header checked against the schema: the first mismatch, as a sentence, or undefined. */
export function headerMismatch(columns: string[], fields: SchemaField[]): string | undefined {
  const names = new Map(fields.map((f) => [f.name.toUpperCase(), f]));
  const seen = new Set<string>();
  for (const c of columns) {
    const key = c.toUpperCase();
    if (!names.has(key)) return `the CSV header names column ${c}, which is not a field of the schema`;
    if (seen.has(key)) return `the CSV header names column ${c} twice`;
    seen.add(key);
  }
  for (const f of fields) {
    if (!f.types.includes("null") && !seen.has(f.name.toUpperCase()))
      return `the CSV header has no column for the schema's required field ${f.name}`;
  }
  return undefined;
}
