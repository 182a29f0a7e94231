/**
 * Reading Amazon Pinpoint's segment import files ("Importing segments" in the Amazon Pinpoint User
 * Guide): CSV whose header names endpoint members (`ChannelType,Address,Id,User.UserId,
 * Attributes.Interests,…`) or newline-delimited JSON, one endpoint definition per line. Files are
 * streamed; each row becomes an endpoint batch item or an error that names its line.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { EndpointBatchItem } from "@aws-sdk/client-pinpoint";
import { CsvParser, type CsvRecord } from "../../engine/csv.js";
import { validateEndpointId, validateEndpointRequest, validateMerged } from "../endpoints/validate.js";
import { ApiError } from "../../shared/errors.js";

export type ImportFormat = "CSV" | "JSON";

export interface ImportRow {
  /** Where the row is, for messages: `line 7` or `part-2.csv line 7`. */
  where: string;
  item?: EndpointBatchItem;
  error?: string;
}

const TOP_LEVEL = ["Id", "Address", "ChannelType", "EffectiveDate", "EndpointStatus", "OptOut", "RequestId"] as const;
const DEMOGRAPHIC = ["AppVersion", "Locale", "Make", "Model", "ModelVersion", "Platform", "PlatformVersion", "Timezone"] as const;
const LOCATION_TEXT = ["City", "Country", "PostalCode", "Region"] as const;
const LOCATION_NUMBER = ["Latitude", "Longitude"] as const;

/** Endpoints imported without an Id get one derived from their channel and address, so re-importing a file updates them. */
export const importedEndpointId = (channel: string, address: string): string =>
  createHash("sha256").update(`${channel}\n${address}`).digest("hex").slice(0, 32);

const has = (list: readonly string[], v: string) => list.includes(v);

/** Sets one CSV column's value on the item; returns an error message for a bad column or value. */
function setColumn(item: EndpointBatchItem, column: string, value: string): string | undefined {
  const dot = column.indexOf(".");
  const head = dot < 0 ? column : column.slice(0, dot);
  const rest = dot < 0 ? "" : column.slice(dot + 1);
  if (dot < 0 && has(TOP_LEVEL, column)) {
    (item as Record<string, unknown>)[column] = value;
    return undefined;
  }
  if (rest === "") return `unknown column '${column}'`;
  switch (head) {
    case "Attributes":
      (item.Attributes ??= {})[rest] = [value];
      return undefined;
    case "Metrics": {
      const n = Number(value);
      if (value.trim() === "" || !Number.isFinite(n)) return `${column} '${value}' is not a number`;
      (item.Metrics ??= {})[rest] = n;
      return undefined;
    }
    case "Demographic":
      if (!has(DEMOGRAPHIC, rest)) return `unknown column '${column}'`;
      (item.Demographic ??= {} as NonNullable<EndpointBatchItem["Demographic"]>)[rest as (typeof DEMOGRAPHIC)[number]] = value;
      return undefined;
    case "Location": {
      const loc = (item.Location ??= {});
      if (has(LOCATION_TEXT, rest)) loc[rest as (typeof LOCATION_TEXT)[number]] = value;
      else if (has(LOCATION_NUMBER, rest)) {
        const n = Number(value);
        if (!Number.isFinite(n)) return `${column} '${value}' is not a number`;
        loc[rest as (typeof LOCATION_NUMBER)[number]] = n;
      } else return `unknown column '${column}'`;
      return undefined;
    }
    case "User":
      if (rest === "UserId") (item.User ??= {}).UserId = value;
      else if (rest.startsWith("UserAttributes.") && rest.length > "UserAttributes.".length)
        ((item.User ??= {}).UserAttributes ??= {})[rest.slice("UserAttributes.".length)] = [value];
      else return `unknown column '${column}'`;
      return undefined;
    default:
      return `unknown column '${column}'`;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");

/** Checks a JSON endpoint definition's member types; returns an error message or undefined. */
function checkJsonTypes(obj: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (has(TOP_LEVEL, key)) {
      if (typeof v !== "string") return `${key} must be a string`;
    } else if (key === "Attributes") {
      if (!isObject(v) || !Object.values(v).every(isStringList)) return "Attributes must map names to lists of strings";
    } else if (key === "Metrics") {
      if (!isObject(v) || !Object.values(v).every((x) => typeof x === "number" && Number.isFinite(x)))
        return "Metrics must map names to numbers";
    } else if (key === "Demographic") {
      if (!isObject(v) || !Object.entries(v).every(([k, x]) => has(DEMOGRAPHIC, k) && typeof x === "string"))
        return `Demographic may hold only ${DEMOGRAPHIC.join(", ")}, as strings`;
    } else if (key === "Location") {
      if (!isObject(v)) return "Location must be an object";
      for (const [k, x] of Object.entries(v)) {
        if (has(LOCATION_TEXT, k) ? typeof x !== "string" : has(LOCATION_NUMBER, k) ? typeof x !== "number" : true)
          return `Location.${k} is not a ${has(LOCATION_NUMBER, k) ? "number" : "known string member"}`;
      }
    } else if (key === "User") {
      if (!isObject(v)) return "User must be an object";
      for (const [k, x] of Object.entries(v)) {
        if (k === "UserId" ? typeof x !== "string" : k === "UserAttributes" ? !isObject(x) || !Object.values(x).every(isStringList) : true)
          return `User.${k} is not valid`;
      }
    } else {
      return `unknown member '${key}'`;
    }
  }
  return undefined;
}

/** The checks every row gets, whatever its format: the endpoint rules, and an Id (given or derived). */
function finish(item: EndpointBatchItem): EndpointBatchItem {
  validateEndpointRequest(item);
  if (item.Id === undefined) {
    if (item.ChannelType === undefined || item.Address === undefined) {
      throw new ApiError("BadRequestException", 400, "an endpoint needs an Id, or a ChannelType and an Address");
    }
    item.Id = importedEndpointId(item.ChannelType, item.Address);
  }
  validateEndpointId(item.Id);
  // The address rules, when the row gives both halves (a row that only updates attributes has neither).
  if (item.ChannelType !== undefined && item.Address !== undefined)
    validateMerged({ ChannelType: item.ChannelType, Address: item.Address });
  return item;
}

function row(where: string, build: () => EndpointBatchItem | string): ImportRow {
  try {
    const r = build();
    return typeof r === "string" ? { where, error: r } : { where, item: finish(r) };
  } catch (err) {
    if (err instanceof ApiError) return { where, error: err.message };
    throw err;
  }
}

async function* csvRows(path: string, label: (line: number) => string): AsyncGenerator<ImportRow[]> {
  let header: string[] | undefined;
  let headerError: string | undefined;
  let out: ImportRow[] = [];
  const parser = new CsvParser({
    onSyntaxError: (e) => out.push({ where: label(e.line), error: e.reason }),
    onRecord: (rec: CsvRecord) => {
      if (!header) {
        header = rec.fields.map((f) => f.trim());
        const probe: EndpointBatchItem = {};
        for (const column of header) {
          const err = setColumn(probe, column, column.startsWith("Metrics.") || column.startsWith("Location.L") ? "0" : "x");
          if (err) headerError ??= err;
        }
        if (headerError) out.push({ where: label(rec.line), error: `the header has an ${headerError}` });
        return;
      }
      if (headerError) return;
      out.push(
        row(label(rec.line), () => {
          if (rec.fields.length !== header!.length) return `has ${rec.fields.length} fields; the header has ${header!.length}`;
          const item: EndpointBatchItem = {};
          for (const [i, column] of header!.entries()) {
            if (rec.fields[i] === "") continue;
            const err = setColumn(item, column, rec.fields[i]);
            if (err) return err;
          }
          return item;
        }),
      );
    },
  });
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
    parser.push(decoder.decode(chunk, { stream: true }));
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  const tail = decoder.decode();
  if (tail) parser.push(tail);
  parser.end();
  if (out.length > 0) yield out;
}

async function* jsonRows(path: string, label: (line: number) => string): AsyncGenerator<ImportRow[]> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  let out: ImportRow[] = [];
  for await (const text of lines) {
    n++;
    if (text.trim() === "") continue;
    out.push(
      row(label(n), () => {
        let obj: unknown;
        try {
          obj = JSON.parse(text);
        } catch {
          return "is not valid JSON";
        }
        if (!isObject(obj)) return "is not a JSON object";
        return checkJsonTypes(obj) ?? (obj as EndpointBatchItem);
      }),
    );
    if (out.length >= 500) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** Rows of each file in turn, in batches; `names` labels rows with their file when there are several. */
export async function* importRows(files: { path: string; name: string }[], format: ImportFormat): AsyncGenerator<ImportRow[]> {
  for (const file of files) {
    const label = (line: number) => (files.length > 1 ? `${file.name} line ${line}` : `line ${line}`);
    yield* format === "CSV" ? csvRows(file.path, label) : jsonRows(file.path, label);
  }
}
