/**
 * One batch of a campaign run: endpoints → holdout and treatment → quiet time → Limits.Daily/Total
 * → channel enabled?, then one `MessagePipeline.send` per treatment, the same entry SendMessages
 * uses (recommendations, the transformer with the campaign envelope, rendering, the outbox), with
 * idempotency key activity id + endpoint id and at most `Limits.MessagesPerSecond` across every
 * process.
 */
import type { EmailChannelResponse, EndpointResponse, Schedule } from "@aws-sdk/client-pinpoint";
import type { ChannelService } from "../../channels/service.js";
import type { MessagePipeline } from "../../messaging/pipeline.js";
import { TRACKING_TAG } from "../../messaging/contents.js";
import type { SegmentService } from "../../segments/service.js";
import type { ActivityTally, CampaignRun, ClaimedBatch, HeldBatch, ZoneCounts } from "../../../store/pinpoint-campaign-runs.js";
import { endpointKey } from "../../../store/endpoints.js";
import type { Store } from "../../../store/types.js";
import { inQuietTime, isValidTimezone, localRunAt, sendsAtLocalTime } from "../schedule.js";
import { assign, directMessage, treatmentsOf, type Treatment } from "./treatments.js";

const DAY_MS = 86_400_000;
/** Ranges a batch cuts ahead when it finds its own range open. */
const LOOKAHEAD = 8;

export interface BatchDeps {
  store: Store;
  segments: SegmentService;
  channels: ChannelService;
  pipeline: MessagePipeline;
  /** The runner's clock (ms since the epoch), injectable for tests. */
  now: () => number;
  batchSize: number;
  /** Told when a batch queued the next range, which a free worker slot can take at once. */
  onQueued: () => void;
  /** Waits `ms` (the MessagesPerSecond limiter waits for its next window). */
  sleep: (ms: number) => Promise<void>;
}

export type BatchOutcome = "done" | "lost";

const newTally = (): ActivityTally => ({ total: 0, successful: 0, metrics: {}, reasons: {} });
const bump = (m: Record<string, number>, key: string, n = 1) => {
  m[key] = (m[key] ?? 0) + n;
};

export class BatchProcessor {
  constructor(private readonly deps: BatchDeps) {}

  /** Sends one claimed batch and finishes it; "lost" when its claim went to another process first. */
  async process(run: CampaignRun, batch: ClaimedBatch): Promise<BatchOutcome> {
    const { store } = this.deps;
    const tallies = new Map(run.activities.map((a) => [a.activityId, newTally()]));
    if (run.deadlineAt !== undefined && this.deps.now() > run.deadlineAt) {
      // Limits.MaximumDuration: the run stops; this batch sends nothing and queues nothing after it.
      // It counts batches (their endpoints are never read), and its reason makes the run's Result FAIL.
      const reason = `Limits.MaximumDuration (${run.campaign.Limits?.MaximumDuration} seconds) passed before this batch was sent`;
      for (const t of tallies.values()) {
        bump(t.metrics, "StoppedByMaximumDuration");
        bump(t.reasons, reason);
      }
      return (await store.pinpointCampaignRuns.finish(batch, run, tallies, new Date(this.deps.now()).toISOString())) ? "done" : "lost";
    }
    const read = await this.endpoints(run, batch);
    if (read === "lost") return "lost";
    const { endpoints, held, zones } = holdForLocalTime(run, read, this.deps.now());
    const zoneCounts: ZoneCounts = { seen: [...zones], held: held.flatMap((h) => h.zones), released: batch.ordinal < 0 ? [...zones] : [] };
    const treatments = treatmentsOf(run.campaign);
    const groups = new Map<Treatment, EndpointResponse[]>();
    let heldOut = 0;
    for (const e of endpoints) {
      const t = assign(run.campaignId, run.campaign.HoldoutPercent ?? 0, treatments, e.Id!);
      if (!t) heldOut++;
      else {
        const list = groups.get(t);
        if (list) list.push(e);
        else groups.set(t, [e]);
      }
    }
    if (heldOut > 0) bump(tallies.get(activityOf(run, treatments[0].id))!.metrics, "HoldoutEndpointCount", heldOut);
    for (const [treatment, list] of groups) await this.send(run, treatment, list, tallies.get(activityOf(run, treatment.id))!);
    const finished = await store.pinpointCampaignRuns.finish(batch, run, tallies, new Date(this.deps.now()).toISOString(), {
      held,
      zones: zoneCounts,
      localTime: sendsAtLocalTime(run.campaign),
    });
    return finished ? "done" : "lost";
  }

  /** The batch's endpoints; a segment batch reading its first page fixes its range and queues the next. */
  private async endpoints(run: CampaignRun, batch: ClaimedBatch): Promise<EndpointResponse[] | "lost"> {
    const { store, segments, batchSize } = this.deps;
    const segmentId = run.campaign.SegmentId!;
    const criteria = await segments.criteria(run.tenant, run.appId, segmentId, run.campaign.SegmentVersion);
    // An EVENT run names its endpoints, yet reaches only those in the campaign's segment when it
    // sends: "A segment designates which users receive the messages delivered by a campaign"
    // (Amazon Pinpoint User Guide, "Create or import segments").
    if (batch.endpointIds) return store.segments.members(run.tenant, run.appId, criteria, batch.endpointIds);
    let until = batch.untilKey;
    if (until === undefined) {
      // An open range: cut it and the next LOOKAHEAD - 1 ranges from the keys alone and queue them,
      // so every process's free workers can take a range while this one sends.
      const keys = await store.pinpointCampaignRuns.segmentKeys(run.tenant, run.appId, criteria, batch.afterKey, batchSize * LOOKAHEAD);
      if (keys.length === 0) return [];
      const untils: string[] = [];
      for (let end = batchSize; end < keys.length + batchSize; end += batchSize) untils.push(keys[Math.min(end, keys.length) - 1]);
      if (!(await store.pinpointCampaignRuns.fixRanges(batch, untils, keys.length === batchSize * LOOKAHEAD, this.deps.now())))
        return "lost";
      this.deps.onQueued();
      until = untils[0];
    }
    // Page through the whole range: endpoints added inside it after it was cut belong to it too, and
    // a range's bounds are fixed, so reading on until its end is what keeps them from being missed.
    const out: EndpointResponse[] = [];
    let after = batch.afterKey;
    for (;;) {
      const page = await store.segments.endpoints(run.tenant, run.appId, criteria, after, batchSize);
      for (const e of page.endpoints) if (endpointKey(e.Id!) <= until) out.push(e);
      const last = page.endpoints.at(-1);
      if (page.after === undefined || last === undefined || endpointKey(last.Id!) >= until) return out;
      after = page.after;
    }
  }

  private async send(run: CampaignRun, treatment: Treatment, endpoints: EndpointResponse[], tally: ActivityTally): Promise<void> {
    const { pipeline, store } = this.deps;
    const activityId = activityOf(run, treatment.id);
    const schedule: Partial<Schedule> = run.campaign.Schedule ?? {};
    const now = this.deps.now();
    const candidates: EndpointResponse[] = [];
    const blocked = new Map<string, string>();
    for (const e of endpoints) {
      const endpointZone = e.Demographic?.Timezone;
      // QuietTime is the endpoint's own clock; an endpoint without a valid time zone is never quiet.
      if (schedule.QuietTime && inQuietTime(schedule.QuietTime, endpointZone, now)) bump(tally.metrics, "QuietTimeEndpointCount");
      else candidates.push(e);
    }
    const allowed = await this.withinLimits(run, activityId, candidates, tally, now);
    tally.total += allowed.length;
    // A disabled (or unconfigured) channel sends nothing to its endpoints, and says why.
    for (const type of new Set(allowed.map((e) => e.ChannelType))) {
      if (type !== "EMAIL" && type !== "SMS") continue;
      const check = await this.deps.channels.sendable(run.tenant, run.appId, type);
      if (!check.ok) blocked.set(type, check.reason);
    }
    const sendable = allowed.filter((e) => {
      const reason = blocked.get(e.ChannelType ?? "");
      if (reason !== undefined) bump(tally.reasons, reason);
      return reason === undefined;
    });
    if (sendable.length === 0) return;
    const email = await store.channels.get<EmailChannelResponse>(run.tenant, run.appId, "EMAIL");
    const spec = {
      TemplateConfiguration: treatment.templateConfiguration,
      MessageConfiguration: directMessage(treatment.messageConfiguration, email?.FromAddress),
    };
    const audience = {
      kind: "endpoints",
      endpoints: sendable,
      unpreparable: (cause: string) => `The campaign's message could not be prepared: ${cause}`,
    } as const;
    const recipients = await pipeline.send({ tenant: run.tenant, appId: run.appId }, spec, audience, {
      mode: "deliver",
      requestId: activityId,
      envelope: {
        CampaignId: run.campaignId,
        TreatmentId: treatment.id,
        ActivityId: activityId,
        ScheduledTime: new Date(run.scheduledAt).toISOString(),
      },
      idempotencyKey: (r) => `${activityId}:${r.endpoint.Id}`,
      ...(run.campaign.tags?.[TRACKING_TAG] === "off" && { engagement: { tracking: false } }),
      ...(run.campaign.Limits?.MessagesPerSecond && { pace: (wanted: number) => this.pace(run, wanted) }),
    });
    const sent: string[] = [];
    for (const r of recipients) {
      if (r.outcome.DeliveryStatus === "SUCCESSFUL") {
        tally.successful++;
        if (r.endpoint.Id !== undefined) sent.push(r.endpoint.Id);
      } else bump(tally.reasons, r.outcome.StatusMessage ?? "not sent");
    }
    const limits = run.campaign.Limits;
    if (limits?.Daily !== undefined || limits?.Total !== undefined)
      await store.pinpointCampaignRuns.recordEndpointSends(run.tenant, run.appId, run.campaignId, activityId, sent, now);
  }

  /** Limits.Daily and Limits.Total: endpoints this campaign already sent its limit to get nothing. */
  private async withinLimits(
    run: CampaignRun,
    activityId: string,
    endpoints: EndpointResponse[],
    tally: ActivityTally,
    now: number,
  ): Promise<EndpointResponse[]> {
    const limits = run.campaign.Limits;
    if (endpoints.length === 0 || (limits?.Daily === undefined && limits?.Total === undefined)) return endpoints;
    const sends = await this.deps.store.pinpointCampaignRuns.endpointSends(
      run.tenant,
      run.appId,
      run.campaignId,
      activityId,
      endpoints.map((e) => e.Id!),
      now - DAY_MS,
    );
    return endpoints.filter((e) => {
      const s = sends.get(e.Id!);
      const over =
        s !== undefined &&
        ((limits.Daily !== undefined && s.daily >= limits.Daily) || (limits.Total !== undefined && s.total >= limits.Total));
      if (over) bump(tally.metrics, "LimitedEndpointCount");
      return !over;
    });
  }

  /** How many of `wanted` messages the shared MessagesPerSecond window grants now; waits for the next window when it is full. */
  private async pace(run: CampaignRun, wanted: number): Promise<number> {
    const perSecond = run.campaign.Limits?.MessagesPerSecond ?? 0;
    for (;;) {
      const wall = Date.now();
      const window = wall - (wall % 1000);
      const granted = await this.deps.store.pinpointCampaignRuns.takeRate(run.tenant, run.appId, run.campaignId, perSecond, window, wanted);
      if (granted > 0) return granted;
      await this.deps.sleep(window + 1000 - Date.now() + 1);
    }
  }
}

function activityOf(run: CampaignRun, treatmentId: string): string {
  return run.activities.find((a) => a.treatmentId === treatmentId)!.activityId;
}

/**
 * An IsLocalTime run reaches each endpoint when its own clock shows the run's time (localRunAt):
 * the endpoints whose time has not come are held back as batches due at that time, one per
 * instant. Also the time zones of the batch's endpoints, as the activity counts them (an endpoint
 * without a valid time zone is in the schedule's reference zone).
 */
function holdForLocalTime(
  run: CampaignRun,
  endpoints: EndpointResponse[],
  now: number,
): { endpoints: EndpointResponse[]; held: HeldBatch[]; zones: Set<string> } {
  const schedule: Partial<Schedule> = run.campaign.Schedule ?? {};
  const reference = schedule.Timezone ?? "UTC";
  const zones = new Set<string>();
  const due: EndpointResponse[] = [];
  const later = new Map<number, HeldBatch>();
  for (const e of endpoints) {
    const endpointZone = e.Demographic?.Timezone;
    const zone = sendsAtLocalTime(run.campaign) && isValidTimezone(endpointZone) ? endpointZone! : reference;
    zones.add(zone);
    const at = localRunAt(run.campaign, run.scheduledAt, endpointZone);
    if (at <= now) {
      due.push(e);
      continue;
    }
    let h = later.get(at);
    if (!h) later.set(at, (h = { dueAt: at, endpointIds: [], zones: [] }));
    h.endpointIds.push(e.Id!);
    if (!h.zones.includes(zone)) h.zones.push(zone);
  }
  return { endpoints: due, held: [...later.values()], zones };
}
