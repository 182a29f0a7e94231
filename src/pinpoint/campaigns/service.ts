/**
 * Campaigns (Campaigns, Campaign, Campaign Versions and Campaign Activities resources of the Amazon
 * Pinpoint REST API): definitions, versioned on every update, that the campaign runner reads
 * through `CampaignSource`. Stored documents carry no status; `State`, `DefaultState` and each
 * treatment's `State` are derived on every read (see status.ts).
 */
import type { SenderPolicy } from "../../shared/senders.js";
import type {
  ActivityResponse,
  CampaignResponse,
  CampaignState,
  Schedule,
  Template,
  TemplateConfiguration,
  TreatmentResource,
  WriteCampaignRequest,
} from "@aws-sdk/client-pinpoint";
import { ApiError, badRequest, notFound } from "../../shared/errors.js";
import { newResourceId } from "../../shared/ids.js";
import { validateTags } from "../../shared/tags.js";
import type { SegmentService, SegmentUsage } from "../segments/service.js";
import type { TemplateService } from "../templates/service.js";
import type { ServedType } from "../templates/validate.js";
import type { NextRun, RunSummary, StoredCampaign } from "../../store/pinpoint-campaigns.js";
import type { Page, Store, Tenant } from "../../store/types.js";
import type { CampaignSource } from "./contracts.js";
import { firstRunAt } from "./schedule.js";
import { campaignStatus, hasTreatments } from "./status.js";
import { checkCampaign } from "./validate.js";
import { DEFAULT_EVENT_CAMPAIGN_QUOTA } from "./defaults.js";

export const campaignArn = (t: Tenant, appId: string, id: string) =>
  `arn:aws:mobiletargeting:${t.region}:${t.accountId}:apps/${appId}/campaigns/${id}`;

/**
 * The default treatment's id (ActivityResponse.TreatmentId of its runs); additional treatments are
 * numbered from 1 in the order of AdditionalTreatments.
 */
export const DEFAULT_TREATMENT_ID = "0";

/** TemplateConfiguration members campaigns can send, with the template type each names. */
const TEMPLATE_MEMBERS: [keyof TemplateConfiguration, ServedType][] = [
  ["EmailTemplate", "EMAIL"],
  ["SMSTemplate", "SMS"],
  ["PushTemplate", "PUSH"],
];

/** Members of a WriteCampaignRequest that UpdateCampaign carries over from the latest version when not given. */
type Definition = Omit<WriteCampaignRequest, "tags">;

function parseVersion(raw: string, id: string): number {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw notFound(`Version '${raw}' of campaign '${id}' was not found`);
  return Number(raw);
}

/** Re-raises a lookup's NotFoundException with the request field that named the missing resource. */
async function naming<T>(field: string, lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (err) {
    if (err instanceof ApiError && err.code === "NotFoundException") throw notFound(`${field}: ${err.message}`);
    throw err;
  }
}

/** Who uses a segment, for SegmentService's `usage`: AWS refuses DeleteSegment while a campaign uses it. */
export function campaignSegmentUsage(store: Store): SegmentUsage {
  return async (tenant, appId, segmentId) =>
    (await store.pinpointCampaigns.usingSegment(tenant, appId, segmentId)).map((c) => `campaign '${c.Name ?? c.Id}' (${c.Id})`);
}

export class PinpointCampaignService implements CampaignSource {
  constructor(
    private readonly store: Store,
    private readonly segments: SegmentService,
    private readonly templates: TemplateService,
    /** The clock schedules are checked against and next runs computed from (a fake one in tests). */
    private readonly now: () => number = Date.now,
    /** Who campaign messages may be sent as (`--allowed-senders`); default: any sender. */
    private readonly senders: SenderPolicy = {},
    /** Active (unpaused) EVENT campaigns one app may have: each PutEvents event is matched against every one. */
    private readonly eventCampaignQuota = DEFAULT_EVENT_CAMPAIGN_QUOTA,
  ) {}

  /**
   * Every event PutEvents accepts is matched against each active EVENT campaign of its app and may
   * start a run of each, so their number bounds what one PutEvents call can set off.
   */
  private async checkEventCampaignQuota(tenant: Tenant, appId: string, doc: CampaignResponse): Promise<void> {
    if (doc.Schedule?.Frequency !== "EVENT" || doc.IsPaused === true) return;
    const others = (await this.store.pinpointCampaigns.eventCampaigns(tenant, appId)).filter((c) => c.Id !== doc.Id);
    if (others.length >= this.eventCampaignQuota)
      throw badRequest(
        `Application '${appId}' has reached its quota of ${this.eventCampaignQuota} active EVENT campaigns; pause or delete one first`,
      );
  }

  private async requireApp(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  private missing(id: string, appId: string): ApiError {
    return notFound(`Campaign '${id}' was not found in application '${appId}'`);
  }

  // ---- CampaignSource --------------------------------------------------------------------------

  async get(tenant: Tenant, appId: string, campaignId: string, version?: number): Promise<CampaignResponse | undefined> {
    const head = await this.store.pinpointCampaigns.head(tenant, appId, campaignId);
    if (!head) return undefined;
    if (version === undefined || version === head.doc.Version) return this.present(head.doc, head);
    const doc = await this.store.pinpointCampaigns.get(tenant, appId, campaignId, version);
    return doc && this.present(doc, head);
  }

  /** The definitions as stored (latest versions), without the derived `State` members. */
  async eventCampaigns(tenant: Tenant, appId: string): Promise<CampaignResponse[]> {
    return this.store.pinpointCampaigns.eventCampaigns(tenant, appId);
  }

  // ---- the API ---------------------------------------------------------------------------------

  /** GetCampaign and GetCampaignVersion (`rawVersion` as the path gives it). */
  async read(tenant: Tenant, appId: string, id: string, rawVersion?: string): Promise<CampaignResponse> {
    const version = rawVersion === undefined ? undefined : parseVersion(rawVersion, id);
    const doc = await this.get(tenant, appId, id, version);
    if (doc) return doc;
    await this.requireApp(tenant, appId);
    if (version !== undefined && (await this.store.pinpointCampaigns.head(tenant, appId, id)))
      throw notFound(`Version '${rawVersion}' of campaign '${id}' was not found`);
    throw this.missing(id, appId);
  }

  async list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<CampaignResponse>> {
    await this.requireApp(tenant, appId);
    const page = await this.store.pinpointCampaigns.list(tenant, appId, after, limit);
    return { items: page.items.map((c) => this.present(c.doc, c)), after: page.after };
  }

  async versions(tenant: Tenant, appId: string, id: string, after: number, limit: number): Promise<Page<CampaignResponse>> {
    const head = await this.store.pinpointCampaigns.head(tenant, appId, id);
    if (!head) {
      await this.requireApp(tenant, appId);
      throw this.missing(id, appId);
    }
    const page = await this.store.pinpointCampaigns.versions(tenant, appId, id, after, limit);
    return { items: page.items.map((d) => this.present(d, head)), after: page.after };
  }

  async activities(tenant: Tenant, appId: string, id: string, after: number, limit: number): Promise<Page<ActivityResponse>> {
    await this.read(tenant, appId, id);
    return this.store.pinpointCampaigns.activities(tenant, appId, id, after, limit);
  }

  async create(tenant: Tenant, appId: string, req: WriteCampaignRequest): Promise<CampaignResponse> {
    const now = this.now();
    checkCampaign(req, now, { campaign: true, treatments: true }, this.senders);
    const tags = validateTags(req.tags);
    await this.requireApp(tenant, appId);
    const segmentVersion = await this.checkReferences(tenant, appId, req);
    const id = newResourceId();
    const stamp = new Date(now).toISOString();
    const doc = this.compose(req, {
      ApplicationId: appId,
      Arn: campaignArn(tenant, appId, id),
      CreationDate: stamp,
      Id: id,
      LastModifiedDate: stamp,
      SegmentVersion: segmentVersion,
      tags,
      Version: 1,
    });
    await this.checkEventCampaignQuota(tenant, appId, doc);
    const nextRunAt = firstRunAt(doc, now);
    if (!(await this.store.pinpointCampaigns.insert(tenant, doc, nextRunAt))) throw notFound(`Application '${appId}' was not found`);
    return this.present(doc, { doc, runs: { runs: 0, unfinished: 0 }, treatments: new Map(), nextRunAt, segmentExists: true });
  }

  /**
   * UpdateCampaign: a new version. Members the request leaves out are kept from the latest version
   * (a Schedule or AdditionalTreatments given replaces the old one whole); `tags` are ignored, as
   * AWS has ignored them on updates since 22-05-2023. A new Schedule, or pausing or resuming,
   * replaces the scheduler's next run with `firstRunAt` of the new version; any other change
   * leaves it as the scheduler left it.
   */
  async update(tenant: Tenant, appId: string, id: string, req: WriteCampaignRequest): Promise<CampaignResponse> {
    const now = this.now();
    const current = await this.store.pinpointCampaigns.get(tenant, appId, id);
    if (!current) {
      await this.requireApp(tenant, appId);
      throw this.missing(id, appId);
    }
    const { tags: _ignored, ...given } = req;
    const merged: WriteCampaignRequest = { ...this.definitionOf(current), ...given };
    // A new segment without a version means that segment's latest version, not the old number.
    if (given.SegmentId !== undefined && given.SegmentVersion === undefined && given.SegmentId !== current.SegmentId)
      delete merged.SegmentVersion;
    checkCampaign(
      merged,
      now,
      { campaign: given.Schedule !== undefined, treatments: given.AdditionalTreatments !== undefined },
      this.senders,
    );
    const segmentVersion = await this.checkReferences(tenant, appId, merged);
    const doc = this.compose(merged, {
      ApplicationId: appId,
      Arn: current.Arn,
      CreationDate: current.CreationDate,
      Id: id,
      LastModifiedDate: new Date(now).toISOString(),
      SegmentVersion: segmentVersion,
      tags: current.tags ?? {},
      Version: current.Version! + 1,
    });
    await this.checkEventCampaignQuota(tenant, appId, doc);
    // The scheduler's next run changes only with the schedule or the pause: an update that edits,
    // say, the Description of a campaign that already ran IMMEDIATE must not start it again.
    const rescheduled = given.Schedule !== undefined || doc.IsPaused !== (current.IsPaused ?? false);
    const next: NextRun = rescheduled ? { at: firstRunAt(doc, now) } : "unchanged";
    const outcome = await this.store.pinpointCampaigns.appendVersion(tenant, doc, current.Version!, next);
    if (outcome === "not-found") throw this.missing(id, appId);
    if (outcome === "stale") throw new ApiError("ConflictException", 409, `Campaign '${id}' was updated concurrently; retry`);
    return (await this.get(tenant, appId, id, doc.Version))!;
  }

  async delete(tenant: Tenant, appId: string, id: string): Promise<CampaignResponse> {
    const stored = await this.store.pinpointCampaigns.delete(tenant, appId, id);
    if (stored) return this.present(stored.doc, stored);
    await this.requireApp(tenant, appId);
    throw this.missing(id, appId);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * Checks the stored resources a campaign version names: the segment (and version), and every
   * template of the campaign and its treatments. Returns the segment version the campaign uses.
   */
  private async checkReferences(tenant: Tenant, appId: string, req: WriteCampaignRequest): Promise<number> {
    const field = req.SegmentVersion === undefined ? "SegmentId" : "SegmentVersion";
    const segment = await naming(field, () =>
      this.segments.get(tenant, appId, req.SegmentId!, req.SegmentVersion === undefined ? undefined : String(req.SegmentVersion)),
    );
    // "If you want to send your campaign when certain events occur … you have to use a dynamic segment" (campaigns-segment, User Guide).
    if (req.Schedule?.Frequency === "EVENT" && segment.SegmentType === "IMPORT") {
      throw badRequest(`SegmentId: segment '${req.SegmentId}' is an imported segment; an EVENT campaign needs a dynamic segment`);
    }
    await this.checkTemplates(tenant, req.TemplateConfiguration, "TemplateConfiguration");
    for (const [i, t] of (req.AdditionalTreatments ?? []).entries())
      await this.checkTemplates(tenant, t.TemplateConfiguration, `AdditionalTreatments[${i}].TemplateConfiguration`);
    return segment.Version!;
  }

  private async checkTemplates(tenant: Tenant, config: TemplateConfiguration | undefined, field: string): Promise<void> {
    if (!config) return;
    // "The voice template to use for the message. This object isn't supported for campaigns." (TemplateConfiguration)
    if (config.VoiceTemplate) throw badRequest(`${field}.VoiceTemplate is not supported for campaigns`);
    if (config.InAppTemplate) throw badRequest(`${field}.InAppTemplate is not supported: pinrec does not serve in-app messaging`);
    for (const [member, type] of TEMPLATE_MEMBERS) {
      const ref = config[member] as Template | undefined;
      if (!ref) continue;
      if (!ref.Name) throw badRequest(`${field}.${member}.Name is required`);
      await naming(`${field}.${member}`, () => this.templates.resolve(tenant, type, ref.Name!, ref.Version));
    }
  }

  /** The definition members of a stored version, as a request would give them. */
  private definitionOf(doc: CampaignResponse): Definition {
    const {
      AdditionalTreatments,
      CustomDeliveryConfiguration,
      Description,
      HoldoutPercent,
      IsPaused,
      Limits,
      MessageConfiguration,
      Name,
      Priority,
      Schedule,
      SegmentId,
      SegmentVersion,
    } = doc;
    const { TemplateConfiguration, TreatmentDescription, TreatmentName } = doc;
    return {
      AdditionalTreatments: (AdditionalTreatments ?? []).map(({ Id: _id, State: _state, ...t }) => t),
      CustomDeliveryConfiguration,
      Description,
      HoldoutPercent,
      IsPaused,
      Limits,
      MessageConfiguration,
      Name,
      Priority,
      Schedule,
      SegmentId,
      SegmentVersion,
      TemplateConfiguration,
      TreatmentDescription,
      TreatmentName,
    };
  }

  /** The stored document of a version (no status members: those are derived on read). */
  private compose(
    req: WriteCampaignRequest,
    fixed: Pick<
      CampaignResponse,
      "ApplicationId" | "Arn" | "CreationDate" | "Id" | "LastModifiedDate" | "SegmentVersion" | "tags" | "Version"
    >,
  ): CampaignResponse {
    const treatments: TreatmentResource[] = (req.AdditionalTreatments ?? []).map((t, i) => ({
      ...(t.CustomDeliveryConfiguration && { CustomDeliveryConfiguration: t.CustomDeliveryConfiguration }),
      Id: String(i + 1),
      ...(t.MessageConfiguration && { MessageConfiguration: t.MessageConfiguration }),
      ...(t.Schedule && { Schedule: t.Schedule }),
      SizePercent: t.SizePercent,
      ...(t.TemplateConfiguration && { TemplateConfiguration: t.TemplateConfiguration }),
      ...(t.TreatmentDescription !== undefined && { TreatmentDescription: t.TreatmentDescription }),
      ...(t.TreatmentName !== undefined && { TreatmentName: t.TreatmentName }),
    }));
    return {
      AdditionalTreatments: treatments,
      ApplicationId: fixed.ApplicationId,
      Arn: fixed.Arn,
      CreationDate: fixed.CreationDate,
      ...(req.CustomDeliveryConfiguration && { CustomDeliveryConfiguration: req.CustomDeliveryConfiguration }),
      ...(req.Description !== undefined && { Description: req.Description }),
      HoldoutPercent: req.HoldoutPercent ?? 0,
      Id: fixed.Id,
      IsPaused: req.IsPaused ?? false,
      LastModifiedDate: fixed.LastModifiedDate,
      ...(req.Limits && { Limits: req.Limits }),
      MessageConfiguration: req.MessageConfiguration ?? {},
      ...(req.Name !== undefined && { Name: req.Name }),
      ...(req.Priority !== undefined && { Priority: req.Priority }),
      Schedule: req.Schedule,
      SegmentId: req.SegmentId,
      SegmentVersion: fixed.SegmentVersion,
      tags: fixed.tags,
      TemplateConfiguration: req.TemplateConfiguration ?? {},
      ...(req.TreatmentDescription !== undefined && { TreatmentDescription: req.TreatmentDescription }),
      ...(req.TreatmentName !== undefined && { TreatmentName: req.TreatmentName }),
      Version: fixed.Version,
    };
  }

  /**
   * A stored version with its derived status members. The status is the campaign's, not the
   * version's: every version reports it, from the latest version (`head.doc`: whether it is
   * paused, its schedule), the campaign's runs and its next run.
   */
  private present(doc: CampaignResponse, head: StoredCampaign): CampaignResponse {
    const now = this.now();
    const isPaused = head.doc.IsPaused === true;
    const latestTreatments = new Map((head.doc.AdditionalTreatments ?? []).map((t) => [t.Id!, t]));
    const state = (summary: RunSummary, schedule: Schedule | undefined): CampaignState => ({
      CampaignStatus: campaignStatus({
        segmentExists: head.segmentExists,
        isPaused,
        schedule,
        runs: summary,
        nextRunAt: head.nextRunAt,
        now,
      }),
    });
    const none = { runs: 0, unfinished: 0 };
    return {
      ...doc,
      AdditionalTreatments: (doc.AdditionalTreatments ?? []).map((t) => ({
        ...t,
        State: state(head.treatments.get(t.Id!) ?? none, latestTreatments.get(t.Id!)?.Schedule ?? head.doc.Schedule),
      })),
      ...(hasTreatments(doc) && { DefaultState: state(head.treatments.get(DEFAULT_TREATMENT_ID) ?? none, head.doc.Schedule) }),
      State: state(head.runs, head.doc.Schedule),
    };
  }
}
