/**
 * One step of a group of participants at the same activity of one journey: what each activity type
 * does (Activity in the Amazon Pinpoint API Reference) and where each participant goes next.
 * Messages go through the one MessagePipeline (recommendations, transformer, render, outbox) with
 * the idempotency key journey + run + activity + endpoint, so a step re-run after a lost lease
 * sends nobody a second message.
 */
import { createHash } from "node:crypto";
import type {
  Activity,
  EmailChannelResponse,
  EndpointResponse,
  JourneyResponse,
  SimpleCondition,
  WaitTime,
} from "@aws-sdk/client-pinpoint";
import type { ChannelService } from "../../channels/service.js";
import type { MessagePipeline } from "../../messaging/pipeline.js";
import type { SegmentService } from "../../segments/service.js";
import { dimensionCriteria } from "../../segments/dimensions.js";
import { inQuietTime } from "../../campaigns/schedule.js";
import { parseInstant } from "../../../shared/instant.js";
import type { ClaimedParticipant, MetricDelta, Move } from "../../../store/journey-participants.js";
import type { Store } from "../../../store/types.js";
import type { Criteria } from "../../../store/segment-query.js";
import { kindOf } from "../activities.js";
import { addDuration, parseDuration } from "../duration.js";

export interface StepDeps {
  store: Store;
  segments: SegmentService;
  channels: ChannelService;
  pipeline: MessagePipeline;
}

/** How long a participant in quiet time waits before its message is tried again (WaitForQuietTime). */
export const QUIET_RECHECK_MS = 15 * 60_000;

/** A uniform draw in [0, 100) for this journey, activity and endpoint: splits are stable on a re-run. */
export function draw(journeyId: string, activityId: string, endpointId: string): number {
  const h = createHash("sha256").update(`${journeyId}\u0000${activityId}\u0000${endpointId}`).digest();
  return (h.readUInt32BE(0) / 0x1_0000_0000) * 100;
}

/** The instant a WaitTime ends for a participant that arrived at `arrivedAt`. */
export function waitEnd(w: WaitTime | undefined, arrivedAt: number): number {
  if (w?.WaitUntil !== undefined) return parseInstant(w.WaitUntil) ?? arrivedAt;
  const d = w?.WaitFor === undefined ? undefined : parseDuration(w.WaitFor);
  return d ? addDuration(arrivedAt, d) : arrivedAt;
}

/** Counts per activity and metric, as a step adds them. */
export class Tally {
  readonly delta: MetricDelta = new Map();
  add(activityId: string, metric: string, n = 1): void {
    let m = this.delta.get(activityId);
    if (!m) this.delta.set(activityId, (m = new Map()));
    m.set(metric, (m.get(metric) ?? 0) + n);
  }
}

export class JourneyStep {
  constructor(private readonly deps: StepDeps) {}

  /** The moves of every participant of `group` (all at `activityId` of `journey`), adding to `tally`. */
  async run(journey: JourneyResponse, activityId: string, group: ClaimedParticipant[], now: number, tally: Tally): Promise<Move[]> {
    const activity = journey.Activities?.[activityId];
    // The activity no longer exists (cannot happen to a published journey, whose activities are fixed).
    if (!activity) return group.map((p) => ({ seq: p.seq, finished: true }));
    const moves: Move[] = [];
    const next = (p: ClaimedParticipant, target: string | undefined) => {
      moves.push(
        target && journey.Activities?.[target]
          ? { seq: p.seq, activityId: target, dueAt: now, context: { arrivedAt: now } }
          : { seq: p.seq, finished: true },
      );
      if (!target) tally.add("", "ENDPOINT_LEFT");
    };
    const kind = kindOf(activity);
    switch (kind) {
      case "EMAIL":
      case "SMS": {
        const { held } = await this.send(journey, activityId, activity, kind, group, now, tally);
        for (const p of group) {
          if (held.has(p.endpointId)) moves.push({ seq: p.seq, dueAt: now + QUIET_RECHECK_MS, context: p.context, stay: true });
          else next(p, activity[kind]!.NextActivity);
        }
        break;
      }
      case "Wait": {
        for (const p of group) {
          const end = waitEnd(activity.Wait!.WaitTime, p.context.arrivedAt);
          if (end > now) {
            // Counted once, when the participant starts to wait.
            if (!p.context.waiting) tally.add(activityId, "WAIT");
            moves.push({ seq: p.seq, dueAt: end, context: { ...p.context, waiting: true }, stay: true });
          } else {
            tally.add(activityId, "SUCCESS");
            next(p, activity.Wait!.NextActivity);
          }
        }
        break;
      }
      case "Holdout": {
        const pct = activity.Holdout!.Percentage ?? 0;
        for (const p of group) {
          if (draw(journey.Id!, activityId, p.endpointId) < pct) {
            tally.add(activityId, "HOLDOUT");
            next(p, undefined);
          } else {
            tally.add(activityId, "SUCCESS");
            next(p, activity.Holdout!.NextActivity);
          }
        }
        break;
      }
      case "RandomSplit": {
        const branches = activity.RandomSplit!.Branches ?? [];
        for (const p of group) {
          const x = draw(journey.Id!, activityId, p.endpointId);
          let edge = 0;
          let chosen = branches.length - 1;
          for (const [i, b] of branches.entries()) {
            edge += b.Percentage ?? 0;
            if (x < edge) {
              chosen = i;
              break;
            }
          }
          tally.add(activityId, `Branch_${chosen}`);
          next(p, branches[chosen]?.NextActivity);
        }
        break;
      }
      case "ConditionalSplit":
      case "MultiCondition": {
        const wait = activity[kind]!.EvaluationWaitTime;
        for (const p of group) {
          const end = waitEnd(wait, p.context.arrivedAt);
          if (end > now) {
            moves.push({ seq: p.seq, dueAt: end, context: p.context, stay: true });
            continue;
          }
          const branch = await this.choose(activity, kind, p, now);
          tally.add(activityId, branch.metric);
          next(p, branch.target);
        }
        break;
      }
      default:
        // PUSH, CUSTOM: not run by this executor; the participant moves on and the activity says why.
        for (const p of group) {
          tally.add(activityId, "NOT_SUPPORTED");
          next(p, activity[kind as "PUSH" | "CUSTOM"]?.NextActivity);
        }
    }
    return moves;
  }

  /** Which branch a participant takes at a ConditionalSplit (True/False) or MultiCondition (a branch, else Default). */
  private async choose(
    activity: Activity,
    kind: "ConditionalSplit" | "MultiCondition",
    p: ClaimedParticipant,
    now: number,
  ): Promise<{ metric: string; target: string | undefined }> {
    if (kind === "ConditionalSplit") {
      const c = activity.ConditionalSplit!;
      const list = c.Condition?.Conditions ?? [];
      const results: boolean[] = [];
      for (const s of list) results.push(await this.holds(s, p, now));
      const ok = c.Condition?.Operator === "ANY" ? results.some(Boolean) : results.every(Boolean);
      return ok ? { metric: "True", target: c.TrueActivity } : { metric: "False", target: c.FalseActivity };
    }
    const m = activity.MultiCondition!;
    for (const [i, b] of (m.Branches ?? []).entries()) {
      if (await this.holds(b.Condition ?? {}, p, now)) return { metric: `Branch_${i}`, target: b.NextActivity };
    }
    return { metric: "Default", target: m.DefaultActivity };
  }

  /** Whether one SimpleCondition holds for a participant now. */
  private async holds(c: SimpleCondition, p: ClaimedParticipant, now: number): Promise<boolean> {
    const { store, segments } = this.deps;
    if (c.EventCondition) {
      const e = c.EventCondition;
      // The event types the filter includes; a MessageActivity condition without types asks for an open.
      const types = e.Dimensions?.EventType?.DimensionType === "EXCLUSIVE" ? [] : (e.Dimensions?.EventType?.Values ?? []);
      const eventTypes = types.length > 0 ? types : e.MessageActivity !== undefined ? ["_email.open"] : [];
      return store.engagement.hadEvent(p.tenant, p.appId, {
        endpointId: p.endpointId,
        eventTypes,
        since: p.enteredAt,
        ...(e.MessageActivity !== undefined && { activityId: e.MessageActivity }),
      });
    }
    let criteria: Criteria | undefined;
    if (c.SegmentCondition?.SegmentId) criteria = await segments.criteria(p.tenant, p.appId, c.SegmentCondition.SegmentId, undefined, now);
    else if (c.SegmentDimensions) criteria = dimensionCriteria(c.SegmentDimensions, now);
    if (!criteria) return false;
    return (await store.segments.members(p.tenant, p.appId, criteria, [p.endpointId])).length > 0;
  }

  /**
   * Sends the activity's message to the participants' endpoints. Returns the endpoints it was
   * handed to the outbox for, and those held by QuietTime: in quiet time (the journey's QuietTime
   * in the endpoint's own time zone) a participant waits and is tried again when the journey says
   * WaitForQuietTime, and is passed on without the message otherwise.
   */
  private async send(
    journey: JourneyResponse,
    activityId: string,
    activity: Activity,
    kind: "EMAIL" | "SMS",
    participants: ClaimedParticipant[],
    now: number,
    tally: Tally,
  ): Promise<{ sent: Set<string>; held: Set<string> }> {
    const sent = new Set<string>();
    const held = new Set<string>();
    if (participants.length === 0) return { sent, held };
    const { store, pipeline, channels } = this.deps;
    const { tenant, appId } = participants[0];
    tally.add(activityId, "TOTAL", participants.length);
    const found = await store.endpoints.getMany(
      tenant,
      appId,
      participants.map((p) => p.endpointId),
    );
    const endpoints: EndpointResponse[] = [];
    for (const p of participants) {
      const e = found.get(p.endpointId);
      // A journey message goes to endpoints of its channel: an SMS endpoint gets no email.
      if (!e || e.ChannelType !== kind || e.OptOut === "ALL" || e.EndpointStatus === "INACTIVE") {
        tally.add(activityId, "ENDPOINT_NOT_REACHABLE");
        continue;
      }
      if (journey.QuietTime && inQuietTime(journey.QuietTime, e.Demographic?.Timezone, now)) {
        tally.add(activityId, "QUIET_TIME");
        if (journey.WaitForQuietTime) held.add(p.endpointId);
        continue;
      }
      endpoints.push(e);
    }
    if (endpoints.length === 0) return { sent, held };
    const check = await channels.sendable(tenant, appId, kind);
    if (!check.ok) {
      tally.add(activityId, "CHANNEL_DISABLED", endpoints.length);
      return { sent, held };
    }
    const message = activity[kind]!;
    const email = kind === "EMAIL" ? await store.channels.get<EmailChannelResponse>(tenant, appId, "EMAIL") : undefined;
    const from = activity.EMAIL?.MessageConfig?.FromAddress ?? email?.FromAddress;
    const template = { Name: message.TemplateName, ...(message.TemplateVersion !== undefined && { Version: message.TemplateVersion }) };
    const spec = {
      TemplateConfiguration: kind === "EMAIL" ? { EmailTemplate: template } : { SMSTemplate: template },
      MessageConfiguration: kind === "EMAIL" ? { EmailMessage: { ...(from !== undefined && { FromAddress: from }) } } : {},
    };
    const runOf = new Map(participants.map((p) => [p.endpointId, p.runId]));
    const recipients = await pipeline.send(
      { tenant, appId },
      spec,
      { kind: "endpoints", endpoints, unpreparable: (cause) => `The journey's message could not be prepared: ${cause}` },
      {
        mode: "deliver",
        requestId: `${journey.Id}:${activityId}`,
        idempotencyKey: (r) => `journey:${journey.Id}:${runOf.get(r.endpoint.Id ?? "")}:${activityId}:${r.endpoint.Id}`,
        engagement: { journeyId: journey.Id, journeyActivityId: activityId },
      },
    );
    for (const r of recipients) {
      if (r.outcome.DeliveryStatus === "SUCCESSFUL" && r.endpoint.Id !== undefined) sent.add(r.endpoint.Id);
    }
    tally.add(activityId, "SUCCESS", sent.size);
    tally.add(activityId, "FAILURE", endpoints.length - sent.size);
    return { sent, held };
  }
}
