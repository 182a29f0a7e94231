/**
 * The documented rules of a WriteCampaignRequest that need nothing but the request (Amazon Pinpoint
 * API reference: Campaigns, Schedule, CampaignLimits, QuietTime, WriteTreatmentResource,
 * CampaignEventFilter). Every failure is a BadRequestException naming the field. Rules that need
 * stored resources (the app, the segment and its version, templates) are in service.ts.
 */
import { senderProblem, type SenderPolicy } from "../../shared/senders.js";
import type { CampaignEventFilter, CampaignLimits, Schedule, WriteCampaignRequest, WriteTreatmentResource } from "@aws-sdk/client-pinpoint";
import { badRequest } from "../../shared/errors.js";
import { parseInstant } from "../../shared/instant.js";
import { checkEventDimensions } from "../segments/dimensions.js";
import { isValidTimezone, normalizeTimezone, parseClock } from "./schedule.js";

/** Schedule.Frequency values pinrec runs (IN_APP_EVENT belongs to in-app messaging, which it does not serve). */
export const FREQUENCIES = ["ONCE", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "EVENT"] as const;
/** CampaignEventFilter.FilterType. */
export const FILTER_TYPES = ["ENDPOINT", "SYSTEM"] as const;
/**
 * How far in the past a StartTime may be ("StartTime must be at least current time", as AWS
 * answers): the clock skew SigV4 tolerates, so a client whose clock is a little behind can still
 * schedule a campaign for "now".
 */
export const START_TOLERANCE_MS = 5 * 60_000;
/** Five treatments in all: the default one and at most four more (Pinpoint's A/B testing limit). */
export const MAX_ADDITIONAL_TREATMENTS = 4;
/** pinrec's bounds on free text (AWS documents none): long enough for any real name or description. */
export const MAX_NAME_CHARS = 256;
export const MAX_DESCRIPTION_CHARS = 1024;

/**
 * The largest value of a member the Pinpoint service model types as an integer (`__integer`, a
 * 32-bit signed integer in AWS's model): the bound where no smaller maximum is documented, so a
 * value such as 1e308 (a whole number to JavaScript) never reaches a deadline, a loop or a column.
 */
export const MAX_INTEGER = 2_147_483_647;

/** CampaignLimits members with their documented ranges (undefined: no documented maximum, so MAX_INTEGER). */
const LIMIT_RANGES: [keyof CampaignLimits, number, number | undefined][] = [
  ["Daily", 0, 100],
  ["Total", 0, 100],
  ["MessagesPerSecond", 1, 20_000],
  ["MaximumDuration", 60, undefined],
  ["Session", 0, undefined],
];

function integerIn(value: number | undefined, field: string, min: number, max = MAX_INTEGER): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${field} must be an integer from ${min} to ${max}; got ${value}`);
  }
}

function text(value: string | undefined, field: string, max: number): void {
  if (value !== undefined && value.length > max) throw badRequest(`${field} must be at most ${max} characters; it has ${value.length}`);
}

/** A Schedule.Timezone: a UTC offset in Pinpoint's form (any case, as AWS accepts `utc`) or an IANA zone name. */
export const isTimezone = (value: string): boolean => isValidTimezone(normalizeTimezone(value));

function checkEventFilter(filter: CampaignEventFilter, field: string): void {
  if (filter.FilterType !== undefined && !(FILTER_TYPES as readonly string[]).includes(filter.FilterType)) {
    throw badRequest(`${field}.FilterType must be one of ${FILTER_TYPES.join(", ")}; got '${filter.FilterType}'`);
  }
  checkEventDimensions(filter.Dimensions ?? {}, `${field}.Dimensions`);
}

/**
 * A Schedule's documented rules. `now` is the request's time: a StartTime other than IMMEDIATE
 * must not be before it (less START_TOLERANCE_MS), and an EndTime must be after the start.
 */
export function checkSchedule(s: Schedule, field: string, now: number): void {
  if (s.Frequency !== undefined && !(FREQUENCIES as readonly string[]).includes(s.Frequency)) {
    throw badRequest(`${field}.Frequency must be one of ${FREQUENCIES.join(", ")}; got '${s.Frequency}'`);
  }
  const start = s.StartTime === "IMMEDIATE" ? now : parseInstant(s.StartTime ?? "");
  if (start === undefined)
    throw badRequest(
      `${field}.StartTime must be IMMEDIATE or an ISO 8601 date-time (for example 2030-01-01T09:00:00Z); got '${s.StartTime}'`,
    );
  if (start < now - START_TOLERANCE_MS)
    throw badRequest(`${field}.StartTime must be at least current time; '${s.StartTime}' is in the past`);
  if (s.EndTime !== undefined) {
    const end = parseInstant(s.EndTime);
    if (end === undefined) throw badRequest(`${field}.EndTime must be an ISO 8601 date-time; got '${s.EndTime}'`);
    if (end <= start) throw badRequest(`${field}.EndTime must be after ${field}.StartTime`);
  }
  if (s.Frequency === "EVENT") {
    if (!s.EventFilter) throw badRequest(`${field}.EventFilter is required when ${field}.Frequency is EVENT`);
    checkEventFilter(s.EventFilter, `${field}.EventFilter`);
  } else if (s.EventFilter) {
    throw badRequest(`${field}.EventFilter applies only when ${field}.Frequency is EVENT`);
  }
  if (s.Timezone !== undefined && !isTimezone(s.Timezone)) {
    throw badRequest(
      `${field}.Timezone must be UTC, a UTC offset such as UTC+05:30 or UTC-08, or an IANA time zone name; got '${s.Timezone}'`,
    );
  }
  if (s.IsLocalTime && s.Timezone === undefined) throw badRequest(`${field}.Timezone is required when ${field}.IsLocalTime is true`);
  const quiet = s.QuietTime;
  if (quiet) {
    for (const part of ["Start", "End"] as const) {
      const v = quiet[part];
      if (v === undefined) throw badRequest(`${field}.QuietTime.${part} is required when QuietTime is given`);
      if (parseClock(v) === undefined)
        throw badRequest(`${field}.QuietTime.${part} must be a 24-hour time in HH:MM form (for example 02:30 or 14:30); got '${v}'`);
    }
  }
}

function checkLimits(limits: CampaignLimits): void {
  for (const [member, min, max] of LIMIT_RANGES) integerIn(limits[member], `Limits.${member}`, min, max);
}

function checkTreatments(treatments: WriteTreatmentResource[], holdout: number, now: number, newSchedules: boolean): void {
  if (treatments.length > MAX_ADDITIONAL_TREATMENTS) {
    throw badRequest(
      `AdditionalTreatments can hold at most ${MAX_ADDITIONAL_TREATMENTS} treatments (five with the default treatment); it has ${treatments.length}`,
    );
  }
  let total = holdout;
  for (const [i, t] of treatments.entries()) {
    const field = `AdditionalTreatments[${i}]`;
    integerIn(t.SizePercent, `${field}.SizePercent`, 1, 100);
    total += t.SizePercent!;
    text(t.TreatmentName, `${field}.TreatmentName`, MAX_NAME_CHARS);
    text(t.TreatmentDescription, `${field}.TreatmentDescription`, MAX_DESCRIPTION_CHARS);
    if (t.Schedule && newSchedules) checkSchedule(t.Schedule, `${field}.Schedule`, now);
    if (t.MessageConfiguration?.CustomMessage && !t.CustomDeliveryConfiguration) {
      throw badRequest(`${field}.CustomDeliveryConfiguration is required when its MessageConfiguration has a CustomMessage`);
    }
  }
  if (total > 100) {
    throw badRequest(`The SizePercent of AdditionalTreatments plus HoldoutPercent must not exceed 100; they add up to ${total}`);
  }
}

/** A campaign message's sender: one mailbox, no CR/LF, and one the operator allows (as for a direct send). */
function checkSender(from: string | undefined, field: string, senders: SenderPolicy): void {
  if (from === undefined) return;
  const problem = senderProblem(from, senders);
  if (problem) throw badRequest(`${field} ${JSON.stringify(from)} is refused: ${problem}`);
}

/**
 * Every request-only rule of a campaign version: `req` is the whole version (on update, the
 * request merged over the latest version). `newSchedules` says whether the request itself gave the
 * schedules: only then are they checked (and held to "not in the past"), so an update that leaves
 * a running schedule alone is not refused because its start has passed.
 */
export function checkCampaign(
  req: WriteCampaignRequest,
  now: number,
  newSchedules: { campaign: boolean; treatments: boolean },
  senders: SenderPolicy = {},
): void {
  checkSender(req.MessageConfiguration?.EmailMessage?.FromAddress, "MessageConfiguration.EmailMessage.FromAddress", senders);
  for (const [i, t] of (req.AdditionalTreatments ?? []).entries())
    checkSender(
      t.MessageConfiguration?.EmailMessage?.FromAddress,
      `AdditionalTreatments[${i}].MessageConfiguration.EmailMessage.FromAddress`,
      senders,
    );
  if (!req.SegmentId) throw badRequest("SegmentId is required");
  integerIn(req.SegmentVersion, "SegmentVersion", 1, undefined);
  if (!req.Schedule) throw badRequest("Schedule is required");
  if (newSchedules.campaign) checkSchedule(req.Schedule, "Schedule", now);
  text(req.Name, "Name", MAX_NAME_CHARS);
  text(req.Description, "Description", MAX_DESCRIPTION_CHARS);
  text(req.TreatmentName, "TreatmentName", MAX_NAME_CHARS);
  text(req.TreatmentDescription, "TreatmentDescription", MAX_DESCRIPTION_CHARS);
  integerIn(req.HoldoutPercent, "HoldoutPercent", 0, 100);
  // Only in-app messages use it, and no range is documented: any whole number from 0 (to MAX_INTEGER).
  integerIn(req.Priority, "Priority", 0, undefined);
  if (req.Limits) checkLimits(req.Limits);
  checkTreatments(req.AdditionalTreatments ?? [], req.HoldoutPercent ?? 0, now, newSchedules.treatments);
  if (req.MessageConfiguration?.CustomMessage && !req.CustomDeliveryConfiguration) {
    throw badRequest("CustomDeliveryConfiguration is required when MessageConfiguration has a CustomMessage");
  }
  if (req.MessageConfiguration?.InAppMessage)
    throw badRequest("MessageConfiguration.InAppMessage is not supported: pinrec does not serve in-app messaging");
  if (req.Hook && (req.Hook.LambdaFunctionName || req.Hook.WebUrl || req.Hook.Mode)) {
    throw badRequest("Hook is not supported: pinrec does not invoke campaign hooks; filter the audience with the segment instead");
  }
}
