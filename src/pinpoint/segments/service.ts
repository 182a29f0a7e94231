/**
 * Segments (Segments, Segment, Segment Versions resources of the Amazon Pinpoint REST API):
 * dimensional segments over an app's endpoints and imported segments (see import.ts), versioned
 * on every update. Evaluation happens in the database: a segment version resolves into criteria
 * (its dimensions, groups and source segments) that the store runs as SQL, a page at a time.
 */
import type { EndpointResponse, SegmentGroupList, SegmentReference, SegmentResponse, WriteSegmentRequest } from "@aws-sdk/client-pinpoint";
import { ApiError, badRequest, notFound } from "../../shared/errors.js";
import { isoNow, newResourceId } from "../../shared/ids.js";
import { validateTags } from "../../shared/tags.js";
import { EVERY_ENDPOINT, type Criteria } from "../../store/segment-query.js";
import type { Page, Store, Tenant } from "../../store/types.js";
import { checkDimensions, dimensionCriteria } from "./dimensions.js";

export const segmentArn = (t: Tenant, appId: string, id: string) =>
  `arn:aws:mobiletargeting:${t.region}:${t.accountId}:apps/${appId}/segments/${id}`;

const INCLUDE = ["ALL", "ANY", "NONE"] as const;
/** How deep source segments may nest (a segment built on a segment built on …). */
export const MAX_SOURCE_DEPTH = 10;
export const DEFAULT_BATCH = 500;
/** The most values one evaluation may compare (SQL parameters), far below SQLite's and PostgreSQL's limits. */
export const MAX_CRITERIA_VALUES = 10_000;

function valueCount(c: Criteria): number {
  switch (c.op) {
    case "all":
    case "any":
      return c.of.reduce((n, x) => n + valueCount(x), 0);
    case "not":
      return valueCount(c.of);
    case "member":
      return 1;
    case "fact":
      return 2 + ("values" in c.match ? c.match.values.length : "contains" in c.match ? c.match.contains.length : 2);
  }
}

/**
 * Who uses a segment. Campaigns (and journeys) give one: AWS refuses to delete a segment that
 * a campaign uses, and so does pinrec once campaigns exist. Returns a description of each user.
 */
export type SegmentUsage = (tenant: Tenant, appId: string, segmentId: string) => Promise<string[]>;
const noUsers: SegmentUsage = async () => [];

function parseVersion(raw: string | number | undefined, id: string): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw);
  if (!/^\d{1,9}$/.test(s) || Number(s) < 1) throw notFound(`Version '${s}' of segment '${id}' was not found`);
  return Number(s);
}

function combine(how: string | undefined, of: Criteria[], fallback: "ALL" | "ANY"): Criteria {
  switch (how ?? fallback) {
    case "ANY":
      return { op: "any", of };
    case "NONE":
      return { op: "not", of: { op: "any", of } };
    default:
      return { op: "all", of };
  }
}

export interface SegmentServiceOptions {
  /** Who uses a segment (the campaigns); none: nothing does, and every segment may be deleted. */
  usage?: SegmentUsage;
}

export class SegmentService {
  private readonly usage: SegmentUsage;

  constructor(
    private readonly store: Store,
    options: SegmentServiceOptions = {},
  ) {
    this.usage = options.usage ?? noUsers;
  }

  private async requireApp(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  async get(tenant: Tenant, appId: string, id: string, rawVersion?: string): Promise<SegmentResponse> {
    const version = parseVersion(rawVersion, id);
    const doc = await this.store.segments.get(tenant, appId, id, version);
    if (doc) return doc;
    await this.requireApp(tenant, appId);
    if (version !== undefined && (await this.store.segments.get(tenant, appId, id)))
      throw notFound(`Version '${rawVersion}' of segment '${id}' was not found`);
    throw notFound(`Segment '${id}' was not found in application '${appId}'`);
  }

  async list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<SegmentResponse>> {
    await this.requireApp(tenant, appId);
    return this.store.segments.list(tenant, appId, after, limit);
  }

  async versions(tenant: Tenant, appId: string, id: string, after: number, limit: number): Promise<Page<SegmentResponse>> {
    await this.get(tenant, appId, id);
    return this.store.segments.versions(tenant, appId, id, after, limit);
  }

  /** Checks a request's dimensions and groups, and that every source segment it names exists. */
  private async check(tenant: Tenant, appId: string, req: WriteSegmentRequest, self?: string): Promise<void> {
    if (req.Dimensions && req.SegmentGroups) {
      throw badRequest("A WriteSegmentRequest can include Dimensions or SegmentGroups, but not both");
    }
    if (req.Name !== undefined && req.Name.trim() === "") throw badRequest("Name must not be empty");
    if (req.Dimensions) checkDimensions(req.Dimensions, "Dimensions");
    if (req.SegmentGroups) await this.checkGroups(tenant, appId, req.SegmentGroups, self);
  }

  private async checkGroups(tenant: Tenant, appId: string, groups: SegmentGroupList, self: string | undefined): Promise<void> {
    if (groups.Include !== undefined && !INCLUDE.includes(groups.Include))
      throw badRequest(`SegmentGroups.Include must be one of ${INCLUDE.join(", ")}; got '${groups.Include}'`);
    for (const [g, group] of (groups.Groups ?? []).entries()) {
      const field = `SegmentGroups.Groups[${g}]`;
      if (group.Type !== undefined && !INCLUDE.includes(group.Type))
        throw badRequest(`${field}.Type must be one of ${INCLUDE.join(", ")}; got '${group.Type}'`);
      if (group.SourceType !== undefined && !INCLUDE.includes(group.SourceType))
        throw badRequest(`${field}.SourceType must be one of ${INCLUDE.join(", ")}; got '${group.SourceType}'`);
      (group.Dimensions ?? []).forEach((d, i) => checkDimensions(d, `${field}.Dimensions[${i}]`));
      const sources = group.SourceSegments ?? [];
      let imported = 0;
      for (const [i, ref] of sources.entries()) {
        const source = await this.source(tenant, appId, ref, `${field}.SourceSegments[${i}]`);
        if (source.SegmentType === "IMPORT") imported++;
      }
      // "You can specify more than one dimensional segment or only one imported segment" (SegmentGroup.SourceSegments).
      if (imported > 0 && sources.length > 1)
        throw badRequest(`${field}.SourceSegments can hold several dimensional segments or one imported segment, not both`);
    }
    const resolved = await this.resolveGroups(tenant, appId, groups, Date.now(), self === undefined ? [] : [self]);
    if (valueCount(resolved) > MAX_CRITERIA_VALUES)
      throw badRequest(`SegmentGroups compares more than ${MAX_CRITERIA_VALUES} values once its source segments are included; simplify it`);
  }

  private async source(tenant: Tenant, appId: string, ref: SegmentReference, field: string): Promise<SegmentResponse> {
    const version = ref.Version === undefined ? undefined : parseVersion(ref.Version, ref.Id!);
    const doc = await this.store.segments.get(tenant, appId, ref.Id!, version);
    if (!doc) {
      const what = version === undefined ? `Segment '${ref.Id}'` : `Version ${ref.Version} of segment '${ref.Id}'`;
      throw notFound(`${field}: ${what} was not found in application '${appId}'`);
    }
    return doc;
  }

  async create(tenant: Tenant, appId: string, req: WriteSegmentRequest): Promise<SegmentResponse> {
    const tags = validateTags(req.tags);
    await this.requireApp(tenant, appId);
    await this.check(tenant, appId, req);
    const id = newResourceId();
    const now = isoNow();
    const doc: SegmentResponse = {
      ApplicationId: appId,
      Arn: segmentArn(tenant, appId, id),
      CreationDate: now,
      ...(req.Dimensions && { Dimensions: req.Dimensions }),
      Id: id,
      LastModifiedDate: now,
      ...(req.Name !== undefined && { Name: req.Name }),
      ...(req.SegmentGroups && { SegmentGroups: req.SegmentGroups }),
      SegmentType: "DIMENSIONAL",
      tags,
      Version: 1,
    };
    if (!(await this.store.segments.insert(tenant, doc))) throw notFound(`Application '${appId}' was not found`);
    return doc;
  }

  /** UpdateSegment: a new version; members not given are kept from the latest one. `tags` are ignored, as on AWS. */
  async update(tenant: Tenant, appId: string, id: string, req: WriteSegmentRequest): Promise<SegmentResponse> {
    const current = await this.get(tenant, appId, id);
    if (current.SegmentType === "IMPORT" && (req.Dimensions || req.SegmentGroups)) {
      throw badRequest(
        `Segment '${id}' is an imported segment: its endpoints are fixed; build a dimensional segment on it (SegmentGroups.Groups[].SourceSegments) to filter them`,
      );
    }
    await this.check(tenant, appId, req, id);
    // A new definition replaces the old one whole; without one, the old one carries over.
    const redefined = req.Dimensions !== undefined || req.SegmentGroups !== undefined;
    const { Dimensions, SegmentGroups, ...kept } = current;
    const source = redefined ? req : { Dimensions, SegmentGroups };
    const doc: SegmentResponse = {
      ...kept,
      ...(source.Dimensions && { Dimensions: source.Dimensions }),
      ...(source.SegmentGroups && { SegmentGroups: source.SegmentGroups }),
      ...(req.Name !== undefined && { Name: req.Name }),
      LastModifiedDate: isoNow(),
      Version: current.Version! + 1,
    };
    const outcome = await this.store.segments.appendVersion(tenant, doc, current.Version!);
    if (outcome === "not-found") throw notFound(`Segment '${id}' was not found in application '${appId}'`);
    if (outcome === "stale") throw new ApiError("ConflictException", 409, `Segment '${id}' was updated concurrently; retry`);
    return doc;
  }

  async delete(tenant: Tenant, appId: string, id: string): Promise<SegmentResponse> {
    // Asked before the delete's transaction, not inside it: `usage` reads through the store, and on
    // SQLite a read waits for the one connection's open transaction to end.
    const users = await this.usage(tenant, appId, id);
    if (users.length > 0) throw badRequest(`Segment '${id}' is used by ${users.join(", ")}; delete or change them first`);
    const doc = await this.store.segments.delete(tenant, appId, id);
    if (doc) return doc;
    await this.requireApp(tenant, appId);
    throw notFound(`Segment '${id}' was not found in application '${appId}'`);
  }

  /** The criteria a segment version selects, with recency measured from `now`. */
  async criteria(tenant: Tenant, appId: string, id: string, version?: number, now = Date.now()): Promise<Criteria> {
    const criteria = await this.resolve(tenant, appId, { Id: id, Version: version }, now, []);
    if (valueCount(criteria) > MAX_CRITERIA_VALUES) {
      throw badRequest(
        `Segment '${id}' compares more than ${MAX_CRITERIA_VALUES} values once its source segments are included; simplify it`,
      );
    }
    return criteria;
  }

  private async resolve(tenant: Tenant, appId: string, ref: SegmentReference, now: number, path: string[]): Promise<Criteria> {
    if (path.includes(ref.Id!)) throw badRequest(`Segment '${ref.Id}' is built on itself (${[...path, ref.Id].join(" → ")})`);
    if (path.length >= MAX_SOURCE_DEPTH)
      throw badRequest(`Segments can be built on other segments at most ${MAX_SOURCE_DEPTH} levels deep`);
    const doc = await this.store.segments.get(tenant, appId, ref.Id!, ref.Version);
    if (!doc) {
      if (path.length === 0) await this.get(tenant, appId, ref.Id!, ref.Version === undefined ? undefined : String(ref.Version));
      throw notFound(
        `Source segment '${ref.Id}'${ref.Version === undefined ? "" : ` version ${ref.Version}`} of segment '${path[path.length - 1]}' no longer exists`,
      );
    }
    if (doc.SegmentType === "IMPORT") return { op: "member", segmentId: doc.Id! };
    if (doc.Dimensions) return dimensionCriteria(doc.Dimensions, now);
    if (doc.SegmentGroups) return this.resolveGroups(tenant, appId, doc.SegmentGroups, now, [...path, doc.Id!]);
    return EVERY_ENDPOINT;
  }

  private async resolveGroups(tenant: Tenant, appId: string, groups: SegmentGroupList, now: number, path: string[]): Promise<Criteria> {
    const of: Criteria[] = [];
    for (const group of groups.Groups ?? []) {
      const parts: Criteria[] = [];
      const sources = group.SourceSegments ?? [];
      if (sources.length > 0) {
        const resolved: Criteria[] = [];
        for (const ref of sources) resolved.push(await this.resolve(tenant, appId, ref, now, path));
        parts.push(combine(group.SourceType, resolved, "ANY"));
      }
      const dims = group.Dimensions ?? [];
      if (dims.length > 0)
        parts.push(
          combine(
            group.Type,
            dims.map((d) => dimensionCriteria(d, now)),
            "ALL",
          ),
        );
      of.push({ op: "all", of: parts });
    }
    return combine(groups.Include, of, "ALL");
  }

  /**
   * The endpoints of a segment version (the latest when `version` is undefined), in batches of at
   * most `batchSize`, in endpoint-id order: only one batch is in memory at a time. The criteria
   * are resolved once, so a run sees one definition (and one recency cut-off) throughout.
   */
  async *endpointsOf(
    tenant: Tenant,
    appId: string,
    segmentId: string,
    version?: number,
    batchSize = DEFAULT_BATCH,
  ): AsyncGenerator<EndpointResponse[]> {
    const criteria = await this.criteria(tenant, appId, segmentId, version);
    let after: string | undefined;
    for (;;) {
      const page = await this.store.segments.endpoints(tenant, appId, criteria, after, batchSize);
      if (page.endpoints.length > 0) yield page.endpoints;
      if (page.after === undefined) return;
      after = page.after;
    }
  }

  /** How many endpoints a segment version holds right now (one COUNT in the database). */
  async size(tenant: Tenant, appId: string, segmentId: string, version?: number): Promise<number> {
    return this.store.segments.count(tenant, appId, await this.criteria(tenant, appId, segmentId, version));
  }
}
