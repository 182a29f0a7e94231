/**
 * Journeys (Journeys, Journey and Journey State resources of the Amazon Pinpoint REST API):
 * definitions of multi-step journeys that the journey executor runs. A stored journey carries the
 * state it was put in (DRAFT, ACTIVE, PAUSED, CANCELLED); CLOSED and COMPLETED are derived on
 * every read (see state.ts).
 */
import type { Activity, JourneyResponse, JourneyStateRequest, WriteJourneyRequest } from "@aws-sdk/client-pinpoint";
import { ApiError, badRequest, notFound } from "../../shared/errors.js";
import { newResourceId } from "../../shared/ids.js";
import { timestampMs } from "../../shared/timestamps.js";
import type { SegmentService, SegmentUsage } from "../segments/service.js";
import type { TemplateService } from "../templates/service.js";
import type { StoredJourney } from "../../store/journeys.js";
import type { Page, Store, Tenant } from "../../store/types.js";
import { kindOf } from "./activities.js";
import { journeyState, transition, type StoredState } from "./state.js";
import { checkJourney } from "./validate.js";

export const journeyArn = (t: Tenant, appId: string, id: string) =>
  `arn:aws:mobiletargeting:${t.region}:${t.accountId}:apps/${appId}/journeys/${id}`;

/** States whose activities are fixed: "If a journey's status is ACTIVE, you can't add, change, or remove activities from it." */
const PUBLISHED: readonly string[] = ["ACTIVE", "PAUSED", "CLOSED"];

/** Re-raises a lookup's NotFoundException with the request member that named the missing resource. */
async function naming<T>(field: string, lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (err) {
    if (err instanceof ApiError && err.code === "NotFoundException") throw notFound(`${field}: ${err.message}`);
    throw err;
  }
}

/** Structural equality of two JSON documents (key order ignored), for "activities cannot change". */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A wire timestamp (epoch seconds or ISO 8601, as the protocol layer accepted it) in Pinpoint's `Z` form. */
const isoOf = (value: unknown): string | undefined => {
  const ms = value === undefined ? undefined : timestampMs(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
};

/** Who uses a segment, for SegmentService's `usage`: a segment a journey names cannot be deleted. */
export function journeySegmentUsage(store: Store): SegmentUsage {
  return async (tenant, appId, segmentId) =>
    (await store.journeys.usingSegment(tenant, appId, segmentId)).map((j) => `journey '${j.Name ?? j.Id}' (${j.Id})`);
}

export class JourneyService {
  constructor(
    private readonly store: Store,
    private readonly segments: SegmentService,
    private readonly templates: TemplateService,
    /** The clock derived states are read against (a fake one in tests). */
    private readonly now: () => number = Date.now,
  ) {}

  private async requireApp(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  private missing(id: string, appId: string): ApiError {
    return notFound(`Journey '${id}' was not found in application '${appId}'`);
  }

  /** The stored journey or the 404 that says whether the app or the journey is missing. */
  private async load(tenant: Tenant, appId: string, id: string): Promise<StoredJourney> {
    const stored = await this.store.journeys.get(tenant, appId, id);
    if (stored) return stored;
    await this.requireApp(tenant, appId);
    throw this.missing(id, appId);
  }

  async read(tenant: Tenant, appId: string, id: string): Promise<JourneyResponse> {
    return this.present(await this.load(tenant, appId, id));
  }

  async list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<JourneyResponse>> {
    await this.requireApp(tenant, appId);
    const page = await this.store.journeys.list(tenant, appId, after, limit);
    return { items: page.items.map((j) => this.present(j)), after: page.after };
  }

  async create(tenant: Tenant, appId: string, req: WriteJourneyRequest | undefined): Promise<JourneyResponse> {
    if (!req) throw badRequest("WriteJourneyRequest is required");
    checkJourney(req);
    await this.requireApp(tenant, appId);
    await this.checkReferences(tenant, appId, req);
    const id = newResourceId();
    const stamp = new Date(this.now()).toISOString();
    const doc = this.compose(
      req,
      { ApplicationId: appId, CreationDate: stamp, Id: id, LastModifiedDate: stamp, tags: {} },
      (req.State ?? "DRAFT") as StoredState,
    );
    if (!(await this.store.journeys.insert(tenant, doc))) throw notFound(`Application '${appId}' was not found`);
    return this.present({ doc, revision: 1, inProgress: 0, entryClosed: false });
  }

  /**
   * UpdateJourney: the request replaces the definition (Name is required, as on create). A
   * published journey (ACTIVE, PAUSED, CLOSED) keeps its activities: a request that adds, changes
   * or removes one is a 400. CANCELLED and COMPLETED journeys cannot be updated; State may publish
   * a DRAFT (ACTIVE) but never return a published journey to DRAFT.
   */
  async update(tenant: Tenant, appId: string, id: string, req: WriteJourneyRequest | undefined): Promise<JourneyResponse> {
    if (!req) throw badRequest("WriteJourneyRequest is required");
    const current = await this.load(tenant, appId, id);
    const state = this.stateOf(current);
    if (state === "CANCELLED" || state === "COMPLETED") throw badRequest(`Journey '${id}' is ${state} and can no longer be updated`);
    const published = PUBLISHED.includes(state);
    if (published && req.State === "DRAFT") throw badRequest(`State: a published journey (${state}) cannot return to DRAFT`);
    if (published) {
      if (!sameJson(req.Activities ?? {}, current.doc.Activities ?? {}))
        throw badRequest(`Activities: the activities of a ${state} journey cannot be added, changed or removed`);
      if (req.StartActivity !== current.doc.StartActivity)
        throw badRequest(`StartActivity: the start activity of a ${state} journey cannot change`);
    }
    // A published journey keeps its state; a request without State keeps a draft a draft.
    const merged: WriteJourneyRequest = { ...req, State: published ? "ACTIVE" : (req.State ?? "DRAFT") };
    checkJourney(merged);
    await this.checkReferences(tenant, appId, merged);
    const storedState = (published ? current.doc.State : merged.State) as StoredState;
    const doc = this.compose(
      merged,
      {
        ApplicationId: appId,
        CreationDate: current.doc.CreationDate,
        Id: id,
        LastModifiedDate: new Date(this.now()).toISOString(),
        tags: current.doc.tags ?? {},
      },
      storedState,
    );
    return this.write(tenant, current, doc);
  }

  /** UpdateJourneyState: publish, pause, resume or cancel (transition() says which moves exist). */
  async setState(tenant: Tenant, appId: string, id: string, req: JourneyStateRequest | undefined): Promise<JourneyResponse> {
    const current = await this.load(tenant, appId, id);
    const to = transition(this.stateOf(current), req?.State);
    if (to === "ACTIVE" && current.doc.State === "DRAFT") {
      // Publishing runs the checks an ACTIVE create would.
      const { ApplicationId: _a, Id: _i, tags: _t, ...definition } = current.doc;
      checkJourney({ ...definition, State: "ACTIVE" } as WriteJourneyRequest);
      await this.checkReferences(tenant, appId, definition as WriteJourneyRequest);
    }
    const now = this.now();
    const doc: JourneyResponse = { ...current.doc, State: to, LastModifiedDate: new Date(now).toISOString() };
    return this.write(tenant, current, doc, () => this.store.journeys.changeState(tenant, doc, current.revision, now));
  }

  async delete(tenant: Tenant, appId: string, id: string): Promise<JourneyResponse> {
    const stored = await this.store.journeys.delete(tenant, appId, id);
    if (stored) return this.present(stored);
    await this.requireApp(tenant, appId);
    throw this.missing(id, appId);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private async write(
    tenant: Tenant,
    current: StoredJourney,
    doc: JourneyResponse,
    store = () => this.store.journeys.replace(tenant, doc, current.revision),
  ): Promise<JourneyResponse> {
    const outcome = await store();
    if (outcome === "not-found") throw this.missing(doc.Id!, doc.ApplicationId!);
    // "ConflictException": the one operation Pinpoint documents it for is UpdateJourney.
    if (outcome === "stale") throw new ApiError("ConflictException", 409, `Journey '${doc.Id}' was updated concurrently; retry`);
    return this.present({ ...current, doc, revision: current.revision + 1 });
  }

  private stateOf(j: StoredJourney): ReturnType<typeof journeyState> {
    return journeyState(j.doc, j, this.now());
  }

  /** Checks the stored resources a journey names: every segment and every message template. */
  private async checkReferences(tenant: Tenant, appId: string, req: WriteJourneyRequest): Promise<void> {
    const start = req.StartCondition;
    if (start?.SegmentStartCondition?.SegmentId)
      await naming("StartCondition.SegmentStartCondition.SegmentId", () =>
        this.segments.get(tenant, appId, start.SegmentStartCondition!.SegmentId!),
      );
    if (start?.EventStartCondition?.SegmentId)
      await naming("StartCondition.EventStartCondition.SegmentId", () =>
        this.segments.get(tenant, appId, start.EventStartCondition!.SegmentId!),
      );
    for (const [id, a] of Object.entries(req.Activities ?? {})) {
      await this.checkActivityReferences(tenant, appId, id, a);
    }
  }

  private async checkActivityReferences(tenant: Tenant, appId: string, id: string, a: Activity): Promise<void> {
    const kind = kindOf(a);
    if (kind === "EMAIL" || kind === "SMS" || kind === "PUSH") {
      const m = a[kind]!;
      await naming(`Activities.${id}.${kind}.TemplateName`, () => this.templates.resolve(tenant, kind, m.TemplateName!, m.TemplateVersion));
    }
    const conditions = [
      ...(a.ConditionalSplit?.Condition?.Conditions ?? []).map((c, i) => ({ c, field: `ConditionalSplit.Condition.Conditions[${i}]` })),
      ...(a.MultiCondition?.Branches ?? []).map((b, i) => ({ c: b.Condition ?? {}, field: `MultiCondition.Branches[${i}].Condition` })),
    ];
    for (const { c, field } of conditions) {
      const segmentId = c.SegmentCondition?.SegmentId;
      if (segmentId)
        await naming(`Activities.${id}.${field}.SegmentCondition.SegmentId`, () => this.segments.get(tenant, appId, segmentId));
    }
  }

  /** The stored document: the request's definition members, the fixed ones, and the stored state. */
  private compose(
    req: WriteJourneyRequest,
    fixed: Pick<JourneyResponse, "ApplicationId" | "CreationDate" | "Id" | "LastModifiedDate" | "tags">,
    state: StoredState,
  ): JourneyResponse {
    const schedule = req.Schedule && {
      ...(req.Schedule.EndTime !== undefined && { EndTime: isoOf(req.Schedule.EndTime) }),
      ...(req.Schedule.StartTime !== undefined && { StartTime: isoOf(req.Schedule.StartTime) }),
      ...(req.Schedule.Timezone !== undefined && { Timezone: req.Schedule.Timezone }),
    };
    const given = <K extends keyof WriteJourneyRequest>(k: K) => (req[k] !== undefined ? { [k]: req[k] } : {});
    return {
      Activities: req.Activities ?? {},
      ApplicationId: fixed.ApplicationId,
      ...given("ClosedDays"),
      CreationDate: fixed.CreationDate,
      Id: fixed.Id,
      ...given("JourneyChannelSettings"),
      LastModifiedDate: fixed.LastModifiedDate,
      ...given("Limits"),
      ...given("LocalTime"),
      Name: req.Name,
      ...given("OpenHours"),
      ...given("QuietTime"),
      ...given("RefreshFrequency"),
      ...given("RefreshOnSegmentUpdate"),
      ...(schedule && { Schedule: schedule as unknown as JourneyResponse["Schedule"] }),
      ...given("SendingSchedule"),
      ...given("StartActivity"),
      ...given("StartCondition"),
      State: state,
      tags: fixed.tags,
      ...given("TimezoneEstimationMethods"),
      ...given("WaitForQuietTime"),
    } as JourneyResponse;
  }

  /** A stored journey with its derived state. */
  private present(j: StoredJourney): JourneyResponse {
    return { ...j.doc, State: this.stateOf(j) };
  }
}
