/**
 * Matches a raw request path against the operations of every served API. The raw path is split on
 * `/` before percent-decoding each segment (Smithy's `httpLabel` binding percent-encodes each label,
 * `/` as `%2F`), so a label may carry an encoded `/`.
 */
import { badRequest } from "../shared/errors.js";
import type { OperationModel, ServiceModel } from "../protocol/model.js";

export interface RouteMatch {
  service: ServiceModel;
  /** The operation for this method, or undefined when the path exists only for other methods. */
  operation?: OperationModel;
  labels: Record<string, string>;
  /** Methods the matched path answers to (for 405 `Allow` and CORS preflight). */
  allowed: string[];
}

interface Candidate {
  service: ServiceModel;
  operation: OperationModel;
  /** The path pattern with label names erased (`v1/apps/{}`): operations on one resource share it. */
  shape: string;
}

export function decodeSegments(rawPath: string): string[] {
  const parts = rawPath.split("/");
  parts.shift(); // leading empty segment of an absolute path
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // tolerate one trailing slash
  return parts.map((p) => {
    let segment = p;
    // Only a segment with a `%` can decode to anything else (decodeURIComponent changes nothing else).
    if (p.includes("%")) {
      try {
        segment = decodeURIComponent(p);
      } catch {
        throw badRequest("The request path is not valid percent-encoding");
      }
    }
    // SigV4 signs the path with `.` and `..` segments resolved (as every AWS SDK does), so a
    // route bound to the unresolved path could run an operation the signature never named:
    // `DELETE /v1/apps/{id}/endpoints/..` would verify as `DELETE /v1/apps/{id}`. Refused,
    // raw or percent-encoded, before routing or authentication.
    if (segment === "." || segment === "..") throw badRequest("The request path must not contain '.' or '..' segments");
    return segment;
  });
}

export class Router {
  private readonly bySegmentCount = new Map<number, Candidate[]>();
  private readonly byFirstSegment = new Map<string, ServiceModel>();

  constructor(readonly services: ServiceModel[]) {
    for (const service of services) {
      // JSON-protocol services are found by their X-Amz-Target header (dispatch.ts), not by path.
      if (service.jsonTarget !== undefined) continue;
      for (const operation of service.operations.values()) {
        const n = operation.segments.length;
        const list = this.bySegmentCount.get(n) ?? [];
        list.push({ service, operation, shape: shape(operation) });
        const first = operation.segments[0]?.literal;
        if (first !== undefined) this.byFirstSegment.set(first, service);
        this.bySegmentCount.set(n, list);
      }
    }
    // Literal segments win over labels: `/v1/templates/x/email` must not match `/{Name}/{Type}`.
    for (const list of this.bySegmentCount.values()) {
      list.sort((a, b) => literalCount(b.operation) - literalCount(a.operation));
    }
  }

  /** The service that owns a path's first segment (`v1` → Pinpoint), for errors before routing. */
  serviceForPath(url: string): ServiceModel | undefined {
    const first = url.split(/[/?]/)[1] ?? "";
    return this.byFirstSegment.get(first);
  }

  /** Returns undefined when no operation of any method has this path. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const segments = decodeSegments(rawPath);
    const candidates = this.bySegmentCount.get(segments.length);
    if (!candidates) return undefined;
    let found: RouteMatch | undefined;
    let resource = "";
    for (const c of candidates) {
      // The most literal pattern that binds names the resource; other methods count only on it.
      if (found ? c.shape !== resource : !binds(c.operation, segments)) continue;
      if (!found) {
        found = { service: c.service, labels: labelsOf(c.operation, segments), allowed: [] };
        resource = c.shape;
      }
      found.allowed.push(c.operation.method);
      if (c.operation.method === method && !found.operation) {
        found.operation = c.operation;
        found.labels = labelsOf(c.operation, segments);
      }
    }
    return found;
  }
}

function literalCount(op: OperationModel): number {
  return op.segments.filter((s) => s.literal !== undefined).length;
}

/** A path pattern with label names erased: operations on one resource share it. */
function shape(op: OperationModel): string {
  return op.segments.map((s) => s.literal ?? "{}").join("/");
}

/** Whether the path's segments fit the operation's pattern (same count, checked by the caller). */
function binds(op: OperationModel, segments: string[]): boolean {
  for (let i = 0; i < op.segments.length; i++) {
    const s = op.segments[i];
    if (s.literal !== undefined ? s.literal !== segments[i] : segments[i] === "") return false;
  }
  return true;
}

/** The label values of a path that `binds` the operation. */
function labelsOf(op: OperationModel, segments: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = 0; i < op.segments.length; i++) {
    const label = op.segments[i].label;
    if (label !== undefined && op.segments[i].literal === undefined) labels[label] = segments[i];
  }
  return labels;
}
