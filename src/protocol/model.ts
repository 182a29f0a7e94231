/**
 * The wire contract of each AWS API that pinrec serves, derived from the service model that AWS
 * ships inside its own SDK (`@aws-sdk/client-*` export one static schema per shape and operation).
 * Deriving HTTP bindings, member locations and JSON types from that model, as LocalStack does from
 * botocore's, keeps pinrec exact where hand-written tables drift. The server reads the schemas from
 * a snapshot generated from the SDK (service-models/), not from the SDK clients themselves.
 */
import { NormalizedSchema } from "@smithy/core/schema";

/** Smithy static operation schema: [9, namespace, name, traits, input, output]. */
export type StaticOperation = [number, string, string, { http?: [string, string, number] }, () => unknown, () => unknown];

export interface PathSegment {
  /** A literal path segment, or the member bound to a `{Label}`. */
  literal?: string;
  label?: string;
}

export interface QueryBinding {
  member: string;
  wireName: string;
  schema: NormalizedSchema;
  required: boolean;
}

export interface OperationModel {
  name: string;
  /** False for an operation of the service model that pinrec does not serve (it answers 501). */
  implemented: boolean;
  method: string;
  uri: string;
  segments: PathSegment[];
  successCode: number;
  input: NormalizedSchema;
  labels: string[];
  queries: QueryBinding[];
  /** The member bound to the whole JSON body (restJson1 `httpPayload`), if any. */
  payload?: { member: string; schema: NormalizedSchema; required: boolean };
  /** Members serialised as top-level JSON body members when there is no `httpPayload`. */
  bodyMembers: Map<string, NormalizedSchema>;
  requiredBodyMembers: string[];
}

export interface ServiceModel {
  /** Short name used in logs, metrics and error envelopes (the AWS CLI's service name). */
  name: string;
  /** The service's product name, e.g. "Amazon Pinpoint". */
  title: string;
  /** SigV4 signing name that requests to this service must be scoped to. */
  signingName: string;
  /**
   * For a JSON-protocol (awsJson1_1) service, the `X-Amz-Target` prefix its operations are named
   * with (`AmazonPersonalize.CreateSchema`); such a service is routed by that header, not by path.
   */
  jsonTarget?: string;
  operations: Map<string, OperationModel>;
}

/** Names of the members a structure lists as required: smithy orders them first and records the count. */
export function requiredMembers(struct: NormalizedSchema): string[] {
  const raw = struct.getSchema() as unknown as unknown[];
  const names = (raw[4] as string[]) ?? [];
  const count = typeof raw[6] === "number" ? (raw[6] as number) : 0;
  return names.slice(0, count);
}

function operationModel(op: StaticOperation, implemented: boolean, jsonTarget: boolean): OperationModel {
  const [, , name, traits, inputRef] = op;
  if (!traits.http && !jsonTarget) throw new Error(`operation ${name} has no http binding`);
  // awsJson1_1 operations have no http trait: every request is `POST /`, every member in the body.
  const [method, uri, successCode] = traits.http ?? ["POST", "/", 200];
  const input = NormalizedSchema.of(inputRef() as never);
  const labels: string[] = [];
  const queries: QueryBinding[] = [];
  const bodyMembers = new Map<string, NormalizedSchema>();
  let payload: OperationModel["payload"];
  // Only routing matters for an operation that answers 501; its members are never read.
  const members = implemented ? input.structIterator() : [];
  const required = new Set(implemented ? requiredMembers(input) : []);
  for (const [member, schema] of members) {
    const t = schema.getMergedTraits() as Record<string, unknown>;
    if (t.httpLabel) labels.push(member);
    else if (typeof t.httpQuery === "string") queries.push({ member, wireName: t.httpQuery, schema, required: required.has(member) });
    else if (t.httpPayload) payload = { member, schema, required: required.has(member) };
    else if (t.httpHeader || t.httpQueryParams || t.httpPrefixHeaders) continue;
    else bodyMembers.set(member, schema);
  }
  const segments = uri
    .split("?")[0]
    .split("/")
    .filter((s) => s.length > 0)
    .map((s): PathSegment => {
      const m = /^\{([A-Za-z0-9_]+)\+?\}$/.exec(s);
      return m ? { label: m[1] } : { literal: s };
    });
  return {
    name,
    implemented,
    method,
    uri,
    segments,
    successCode,
    input,
    labels,
    queries,
    payload,
    bodyMembers,
    requiredBodyMembers: [...bodyMembers.keys()].filter((m) => required.has(m)),
  };
}

/**
 * Builds a service model from the static schemas of its operations: every operation the service
 * model knows, each marked implemented or not, so a request for an operation pinrec does not serve
 * is recognised and answered 501 naming it, instead of looking like a missing resource.
 */
export function serviceModel(
  operations: readonly StaticOperation[],
  info: { name: string; title: string; signingName: string; jsonTarget?: string },
  implemented: readonly string[],
): ServiceModel {
  const known = new Set(operations.map((op) => op[2]));
  for (const opName of implemented) {
    if (!known.has(opName)) throw new Error(`${info.name}: the service model has no operation ${opName}`);
  }
  const served = new Set(implemented);
  const models = new Map<string, OperationModel>();
  const byName = [...operations].sort((a, b) => a[2].localeCompare(b[2]));
  for (const op of byName) models.set(op[2], operationModel(op, served.has(op[2]), info.jsonTarget !== undefined));
  return { ...info, operations: models };
}
