/**
 * The committed snapshot of the service models pinrec routes by: the Smithy static schemas of each
 * AWS SDK client (`@aws-sdk/client-*` export one `X$` array per shape and operation), stored as
 * JSON so a server process reads about 62 KB instead of loading three SDK clients (each with the
 * client runtime: middleware, retries, credential providers) only to look at their schemas.
 *
 * A static schema is an array whose first element says its kind (see `NormalizedSchema` in
 * `@smithy/core/schema`): operation `[9, ns, name, traits, input, output]`, structure/error/union
 * `[3|-3|4, ns, name, traits, memberNames, memberRefs, requiredCount?]`, list
 * `[1, ns, name, traits, valueRef]`, map `[2, ns, name, traits, keyRef, valueRef]`, simple
 * `[0, ns, name, traits, schemaRef]`. A schema ref is a numeric sentinel (string 0, numeric 1,
 * list-of 64|x, map-of 128|x…), a static schema, a zero-arg function returning one (how the SDK
 * writes references to shapes declared later, and recursive ones), or a member `[ref, traits]`.
 *
 * In the file, every static schema is one entry of `schemas`, and refs to it are indices:
 * `{ "$ref": i }` for the array itself, `{ "$fn": i }` for a function returning it, so loading
 * rebuilds the same arrays and functions, shared and cyclic exactly as in the SDK.
 */

/** The SDK clients whose service models pinrec serves, by the model's short name. */
export const SERVICE_SDKS = {
  pinpoint: "@aws-sdk/client-pinpoint",
  "personalize-runtime": "@aws-sdk/client-personalize-runtime",
  "personalize-events": "@aws-sdk/client-personalize-events",
  personalize: "@aws-sdk/client-personalize",
} as const;

export type SnapshotService = keyof typeof SERVICE_SDKS;

/** How to regenerate the snapshot, quoted wherever it is found stale. */
export const REGENERATE_COMMAND = "npm run build && node scripts/service-models.mjs";

/** A schema ref as stored: indices stand for static schemas; sentinels and member traits as in the SDK. */
export type StoredRef = number | string | { $ref: number } | { $fn: number } | [StoredRef, unknown];

export interface SnapshotFile {
  about: string;
  /** The SDK package and version the snapshot was generated from. */
  sdk: string;
  version: string;
  /** Operations first (by name), then every shape reachable from their inputs (by shape id). */
  schemas: unknown[][];
}

export const OPERATION = 9;

/** Positions of a static schema that hold schema refs (a struct's position 5 holds a list of them). */
export function refPositions(kind: unknown): { single: number[]; list?: number } {
  switch (kind) {
    case OPERATION:
    case 2: // map: key, value
      return { single: [4, 5] };
    case 1: // list: value
    case 0: // simple (a named alias of a sentinel): the sentinel
      return { single: [4] };
    case 3: // structure
    case -3: // error
    case 4: // union
      return { single: [], list: 5 };
    default:
      throw new Error(`unknown Smithy static schema kind ${String(kind)}`);
  }
}
