/**
 * The documented rules of a WriteJourneyRequest that need nothing but the request (Amazon Pinpoint
 * API reference: Journeys, Activity, WaitTime, RandomSplitActivity, MultiConditionalSplitActivity,
 * ConditionalSplitActivity, StartCondition, JourneyLimits, JourneySchedule; User Guide: "Journey
 * quotas"). Every failure is a BadRequestException naming the member. Rules that need stored
 * resources (the app, segments, templates) are in service.ts.
 */
import type {
  Activity,
  Condition,
  JourneyLimits,
  JourneySchedule,
  OpenHoursRule,
  SimpleCondition,
  StartCondition,
  WaitTime,
  WriteJourneyRequest,
} from "@aws-sdk/client-pinpoint";
import { badRequest } from "../../shared/errors.js";
import { parseInstant } from "../../shared/instant.js";
import { timestampMs } from "../../shared/timestamps.js";
import { isTimezone } from "../campaigns/validate.js";
import { parseClock } from "../campaigns/schedule.js";
import { checkDimensions, checkEventDimensions } from "../segments/dimensions.js";
import { durationMs, parseDuration } from "./duration.js";
import { activityKind, MESSAGE_KINDS, nextActivities, type ActivityKind } from "./activities.js";

/** "Maximum number of activities per journey: 40" (Journey quotas). */
export const MAX_ACTIVITIES = 40;
/** Branches of a RandomSplit ("up to five paths") and of a MultiCondition (five plus the default path). */
export const MAX_BRANCHES = 5;
/** Conditions of one ConditionalSplit (the console's "up to five conditions"). */
export const MAX_CONDITIONS = 5;
/** pinrec's bounds on free text and activity ids (AWS documents none): long enough for any real one. */
export const MAX_NAME_CHARS = 256;
export const MAX_DESCRIPTION_CHARS = 1024;
const ACTIVITY_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** The shortest wait pinrec runs: one second (the console offers minutes and longer; the API states no minimum). */
export const MIN_WAIT_MS = 1000;
/** States a request may ask for; PAUSED, CANCELLED, COMPLETED and CLOSED go through UpdateJourneyState. */
export const WRITABLE_STATES = ["DRAFT", "ACTIVE"] as const;
const FILTER_TYPES = ["ENDPOINT", "SYSTEM"] as const;
const OPERATORS = ["ALL", "ANY"] as const;
const CHANNELS = ["EMAIL", "SMS", "PUSH", "VOICE", "CUSTOM"] as const;
const DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"] as const;
const TIMEZONE_METHODS = ["PHONE_NUMBER", "POSTAL_CODE"] as const;

/** JourneyLimits members with their documented ranges ("The maximum value is 100"). */
const LIMIT_RANGES: [keyof JourneyLimits, number, number | undefined][] = [
  ["DailyCap", 0, 100],
  ["EndpointReentryCap", 0, 100],
  ["TotalCap", 0, 100],
  ["MessagesPerSecond", 1, 20_000],
];

function integerIn(value: number | undefined, field: string, min: number, max: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    throw badRequest(`${field} must be an integer ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}; got ${value}`);
  }
}

function text(value: string | undefined, field: string, max: number): void {
  if (value !== undefined && value.length > max) throw badRequest(`${field} must be at most ${max} characters; it has ${value.length}`);
}

function oneOf(value: string | undefined, allowed: readonly string[], field: string): void {
  if (value !== undefined && !allowed.includes(value)) throw badRequest(`${field} must be one of ${allowed.join(", ")}; got '${value}'`);
}

/** An ISO 8601 duration of at least `minMs`; the member is named in the error. */
export function checkDuration(value: string, field: string, minMs = MIN_WAIT_MS): void {
  const d = parseDuration(value);
  if (!d) throw badRequest(`${field} must be an ISO 8601 duration such as PT1H or P1D; got '${value}'`);
  if (durationMs(d) < minMs) throw badRequest(`${field} must be at least ${minMs / 1000} second(s); got '${value}'`);
}

function checkWaitTime(w: WaitTime | undefined, field: string): void {
  if (!w) throw badRequest(`${field} is required`);
  if ((w.WaitFor === undefined) === (w.WaitUntil === undefined))
    throw badRequest(`${field} must give exactly one of WaitFor and WaitUntil`);
  if (w.WaitFor !== undefined) checkDuration(w.WaitFor, `${field}.WaitFor`);
  if (w.WaitUntil !== undefined && parseInstant(w.WaitUntil) === undefined)
    throw badRequest(`${field}.WaitUntil must be an ISO 8601 date-time such as 2030-01-01T09:00:00Z; got '${w.WaitUntil}'`);
}

/** One SimpleCondition; `messageActivities` are the ids an EventCondition's MessageActivity may name. */
function checkSimpleCondition(c: SimpleCondition | undefined, field: string, messageActivities: Set<string>): void {
  if (!c) throw badRequest(`${field} is required`);
  const given = (["EventCondition", "SegmentCondition", "SegmentDimensions"] as const).filter((k) => c[k] !== undefined);
  if (given.length !== 1)
    throw badRequest(`${field} must give exactly one of EventCondition, SegmentCondition and SegmentDimensions; it gives ${given.length}`);
  if (c.EventCondition) {
    const e = c.EventCondition;
    if (e.Dimensions) checkEventDimensions(e.Dimensions, `${field}.EventCondition.Dimensions`);
    if (e.MessageActivity !== undefined && !messageActivities.has(e.MessageActivity))
      throw badRequest(`${field}.EventCondition.MessageActivity: '${e.MessageActivity}' is not a message activity of this journey`);
    if (!e.Dimensions && e.MessageActivity === undefined)
      throw badRequest(`${field}.EventCondition must give Dimensions or MessageActivity`);
  }
  if (c.SegmentCondition && !c.SegmentCondition.SegmentId) throw badRequest(`${field}.SegmentCondition.SegmentId is required`);
  if (c.SegmentDimensions) checkDimensions(c.SegmentDimensions, `${field}.SegmentDimensions`);
}

function checkCondition(c: Condition | undefined, field: string, messageActivities: Set<string>): void {
  if (!c) throw badRequest(`${field} is required`);
  oneOf(c.Operator, OPERATORS, `${field}.Operator`);
  const list = c.Conditions ?? [];
  if (list.length < 1 || list.length > MAX_CONDITIONS)
    throw badRequest(`${field}.Conditions must hold from 1 to ${MAX_CONDITIONS} conditions; it has ${list.length}`);
  for (const [i, s] of list.entries()) checkSimpleCondition(s, `${field}.Conditions[${i}]`, messageActivities);
}

/** The rules of one activity by its kind; `field` is `Activities.<id>`. */
function checkActivity(a: Activity, kind: ActivityKind, field: string, messageActivities: Set<string>): void {
  text(a.Description, `${field}.Description`, MAX_DESCRIPTION_CHARS);
  const at = `${field}.${kind}`;
  switch (kind) {
    case "ContactCenter":
      throw badRequest(`${at}: contact center activities need Amazon Connect, which is not available in pinrec`);
    case "EMAIL":
    case "SMS":
    case "PUSH": {
      const m = a[kind]!;
      if (!m.TemplateName) throw badRequest(`${at}.TemplateName is required`);
      if (m.TemplateVersion !== undefined && !/^\d{1,9}$/.test(m.TemplateVersion))
        throw badRequest(`${at}.TemplateVersion must be a template version number; got '${m.TemplateVersion}'`);
      return;
    }
    case "CUSTOM": {
      const c = a.CUSTOM!;
      if (!c.DeliveryUri) throw badRequest(`${at}.DeliveryUri is required`);
      if (!/^(https:\/\/|arn:aws:lambda:)/.test(c.DeliveryUri))
        throw badRequest(`${at}.DeliveryUri must be an https:// URL or a Lambda function ARN; got '${c.DeliveryUri}'`);
      for (const [i, t] of (c.EndpointTypes ?? []).entries())
        if (typeof t !== "string") throw badRequest(`${at}.EndpointTypes[${i}] must be a channel type`);
      return;
    }
    case "Wait":
      checkWaitTime(a.Wait!.WaitTime, `${at}.WaitTime`);
      return;
    case "Holdout": {
      const p = a.Holdout!.Percentage;
      if (p === undefined) throw badRequest(`${at}.Percentage is required`);
      integerIn(p, `${at}.Percentage`, 0, 100);
      return;
    }
    case "RandomSplit": {
      const branches = a.RandomSplit!.Branches ?? [];
      if (branches.length < 1 || branches.length > MAX_BRANCHES)
        throw badRequest(`${at}.Branches must hold from 1 to ${MAX_BRANCHES} branches; it has ${branches.length}`);
      let total = 0;
      for (const [i, b] of branches.entries()) {
        if (b.Percentage === undefined) throw badRequest(`${at}.Branches[${i}].Percentage is required`);
        integerIn(b.Percentage, `${at}.Branches[${i}].Percentage`, 0, 100);
        total += b.Percentage;
      }
      if (total !== 100) throw badRequest(`${at}.Branches: the percentages must add up to 100; they add up to ${total}`);
      return;
    }
    case "MultiCondition": {
      const m = a.MultiCondition!;
      const branches = m.Branches ?? [];
      if (branches.length < 1 || branches.length > MAX_BRANCHES)
        throw badRequest(
          `${at}.Branches must hold from 1 to ${MAX_BRANCHES} branches (the default path is DefaultActivity); it has ${branches.length}`,
        );
      for (const [i, b] of branches.entries()) checkSimpleCondition(b.Condition, `${at}.Branches[${i}].Condition`, messageActivities);
      if (m.EvaluationWaitTime) checkWaitTime(m.EvaluationWaitTime, `${at}.EvaluationWaitTime`);
      return;
    }
    case "ConditionalSplit": {
      const c = a.ConditionalSplit!;
      checkCondition(c.Condition, `${at}.Condition`, messageActivities);
      if (c.EvaluationWaitTime) checkWaitTime(c.EvaluationWaitTime, `${at}.EvaluationWaitTime`);
      return;
    }
  }
}

/**
 * The activity graph: every NextActivity, branch and default names an existing activity, the
 * StartActivity exists, and no path leads back to an activity it passed (a journey ends).
 */
function checkGraph(activities: Record<string, Activity>, start: string | undefined): void {
  const ids = Object.keys(activities);
  if (ids.length === 0) {
    if (start !== undefined) throw badRequest(`StartActivity: activity '${start}' does not exist in Activities`);
    return;
  }
  if (start === undefined) throw badRequest("StartActivity is required when the journey has activities");
  if (!(start in activities)) throw badRequest(`StartActivity: activity '${start}' does not exist in Activities`);
  for (const id of ids) {
    for (const { field, target } of nextActivities(activities[id])) {
      if (!(target in activities)) throw badRequest(`Activities.${id}.${field}: activity '${target}' does not exist in Activities`);
    }
  }
  // Depth-first search from every activity; grey = on the current path.
  const colour = new Map<string, "grey" | "black">();
  const visit = (id: string, path: string[]): void => {
    colour.set(id, "grey");
    for (const { target } of nextActivities(activities[id])) {
      const c = colour.get(target);
      if (c === "grey") {
        // The target is on the current path: the cycle runs from it to here and back.
        const onPath = [...path, id];
        const cycle = [...onPath.slice(onPath.indexOf(target)), target].join(" → ");
        throw badRequest(`Activities: the journey has a cycle (${cycle}); a journey's paths must end`);
      }
      if (c === undefined) visit(target, [...path, id]);
    }
    colour.set(id, "black");
  };
  for (const id of ids) if (!colour.has(id)) visit(id, []);
}

function checkStartCondition(s: StartCondition): void {
  text(s.Description, "StartCondition.Description", MAX_DESCRIPTION_CHARS);
  if (s.EventStartCondition && s.SegmentStartCondition)
    throw badRequest("StartCondition must give one of EventStartCondition and SegmentStartCondition, not both");
  if (s.SegmentStartCondition && !s.SegmentStartCondition.SegmentId)
    throw badRequest("StartCondition.SegmentStartCondition.SegmentId is required");
  const e = s.EventStartCondition;
  if (e) {
    const f = e.EventFilter;
    if (!f) throw badRequest("StartCondition.EventStartCondition.EventFilter is required");
    if (f.FilterType === undefined) throw badRequest("StartCondition.EventStartCondition.EventFilter.FilterType is required");
    oneOf(f.FilterType, FILTER_TYPES, "StartCondition.EventStartCondition.EventFilter.FilterType");
    if (!f.Dimensions) throw badRequest("StartCondition.EventStartCondition.EventFilter.Dimensions is required");
    checkEventDimensions(f.Dimensions, "StartCondition.EventStartCondition.EventFilter.Dimensions");
  }
}

function checkSchedule(s: JourneySchedule): void {
  const start = s.StartTime === undefined ? undefined : timestampMs(s.StartTime as unknown);
  const end = s.EndTime === undefined ? undefined : timestampMs(s.EndTime as unknown);
  if (s.StartTime !== undefined && start === undefined) throw badRequest("Schedule.StartTime must be an ISO 8601 date-time");
  if (s.EndTime !== undefined && end === undefined) throw badRequest("Schedule.EndTime must be an ISO 8601 date-time");
  if (start !== undefined && end !== undefined && end <= start) throw badRequest("Schedule.EndTime must be after Schedule.StartTime");
  if (s.Timezone !== undefined && !isTimezone(s.Timezone))
    throw badRequest(
      `Schedule.Timezone must be UTC, a UTC offset such as UTC+05:30 or UTC-08, or an IANA time zone name; got '${s.Timezone}'`,
    );
}

function checkLimits(l: JourneyLimits): void {
  for (const [member, min, max] of LIMIT_RANGES) integerIn(l[member] as number | undefined, `Limits.${member}`, min, max);
  if (l.EndpointReentryInterval !== undefined) checkDuration(l.EndpointReentryInterval, "Limits.EndpointReentryInterval");
  if (l.TimeframeCap) {
    integerIn(l.TimeframeCap.Cap, "Limits.TimeframeCap.Cap", 0, 100);
    integerIn(l.TimeframeCap.Days, "Limits.TimeframeCap.Days", 1, undefined);
  }
}

function checkSendingWindows(req: WriteJourneyRequest): void {
  const q = req.QuietTime;
  if (q) {
    for (const part of ["Start", "End"] as const) {
      if (q[part] === undefined) throw badRequest(`QuietTime.${part} is required when QuietTime is given`);
      if (parseClock(q[part]) === undefined)
        throw badRequest(`QuietTime.${part} must be a 24-hour time in HH:MM form (for example 02:30 or 14:30); got '${q[part]}'`);
    }
  }
  for (const [channel, days] of Object.entries(req.OpenHours ?? {})) {
    oneOf(channel, CHANNELS, "OpenHours");
    for (const [day, rules] of Object.entries(days ?? {}) as [string, OpenHoursRule[] | undefined][]) {
      oneOf(day, DAYS, `OpenHours.${channel}`);
      for (const [i, r] of (rules ?? []).entries()) {
        for (const part of ["StartTime", "EndTime"] as const)
          if (parseClock(r[part]) === undefined)
            throw badRequest(`OpenHours.${channel}.${day}[${i}].${part} must be a 24-hour time in HH:MM form; got '${r[part]}'`);
      }
    }
  }
  for (const [channel, rules] of Object.entries(req.ClosedDays ?? {})) {
    oneOf(channel, CHANNELS, "ClosedDays");
    for (const [i, r] of (rules ?? []).entries()) {
      const start = parseInstant(r.StartDateTime ?? "");
      const end = parseInstant(r.EndDateTime ?? "");
      if (start === undefined) throw badRequest(`ClosedDays.${channel}[${i}].StartDateTime must be an ISO 8601 date-time`);
      if (end === undefined) throw badRequest(`ClosedDays.${channel}[${i}].EndDateTime must be an ISO 8601 date-time`);
      if (end <= start) throw badRequest(`ClosedDays.${channel}[${i}].EndDateTime must be after its StartDateTime`);
    }
  }
  for (const [i, m] of (req.TimezoneEstimationMethods ?? []).entries()) oneOf(m, TIMEZONE_METHODS, `TimezoneEstimationMethods[${i}]`);
}

/**
 * Every request-only rule of a journey definition. An ACTIVE journey
 * must be runnable: it needs a start condition and a start activity.
 */
export function checkJourney(req: WriteJourneyRequest): void {
  if (!req.Name) throw badRequest("Name is required");
  text(req.Name, "Name", MAX_NAME_CHARS);
  oneOf(req.State, WRITABLE_STATES, "State");
  if (
    req.JourneyChannelSettings &&
    (req.JourneyChannelSettings.ConnectCampaignArn || req.JourneyChannelSettings.ConnectCampaignExecutionRoleArn)
  )
    throw badRequest("JourneyChannelSettings configures Amazon Connect, which is not available in pinrec");
  const activities = req.Activities ?? {};
  const ids = Object.keys(activities);
  if (ids.length > MAX_ACTIVITIES) throw badRequest(`Activities can hold at most ${MAX_ACTIVITIES} activities; it has ${ids.length}`);
  const kinds = new Map<string, ActivityKind>();
  for (const id of ids) {
    if (!ACTIVITY_ID.test(id)) throw badRequest(`Activities: '${id}' is not a valid activity id (1 to 128 letters, digits, - and _)`);
    kinds.set(id, activityKind(activities[id], `Activities.${id}`));
  }
  const messageActivities = new Set(ids.filter((id) => MESSAGE_KINDS.includes(kinds.get(id)!)));
  for (const id of ids) checkActivity(activities[id], kinds.get(id)!, `Activities.${id}`, messageActivities);
  checkGraph(activities, req.StartActivity);
  if (req.StartCondition) checkStartCondition(req.StartCondition);
  if (req.Schedule) checkSchedule(req.Schedule);
  if (req.Limits) checkLimits(req.Limits);
  if (req.RefreshFrequency !== undefined) checkDuration(req.RefreshFrequency, "RefreshFrequency");
  checkSendingWindows(req);
  if (req.State === "ACTIVE") {
    if (!req.StartCondition?.EventStartCondition && !req.StartCondition?.SegmentStartCondition)
      throw badRequest(
        "StartCondition is required to publish a journey (State ACTIVE): give a SegmentStartCondition or an EventStartCondition",
      );
    if (ids.length === 0) throw badRequest("Activities: an ACTIVE journey needs at least one activity");
  }
}
