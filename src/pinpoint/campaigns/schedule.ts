/**
 * When a campaign runs, from its `Schedule` (Pinpoint REST API, `Schedule` object:
 * `StartTime` is `IMMEDIATE` or an ISO 8601 time, `Frequency` is `ONCE`, `HOURLY`, `DAILY`,
 * `WEEKLY`, `MONTHLY` or `EVENT`, `EndTime` ends a recurring schedule, `IsLocalTime` with
 * `Timezone` sends at the same wall-clock time in each recipient's time zone, `QuietTime` holds
 * messages back during a daily window in the recipient's time zone).
 *
 * All functions here are pure: times are milliseconds since the epoch, time zones are read with
 * `Intl` (the tz database Node ships), and nothing reads the clock.
 *
 * Time zones and daylight saving time:
 * - A schedule's own times are fixed instants. A recurring schedule steps in its reference zone:
 *   `Schedule.Timezone` (a fixed UTC offset such as `UTC-05` or `UTC+05:30`) when given, else the
 *   offset written in `StartTime`, else UTC. Fixed offsets have no DST, so HOURLY, DAILY and WEEKLY
 *   runs are exactly 1 h, 24 h and 7 days apart; MONTHLY keeps the start's day of month and time
 *   of day on that zone's calendar (clamped to the month's last day, never drifting).
 * - With `IsLocalTime`, each scheduled run reaches an endpoint when that endpoint's own clock
 *   (`Demographic.Timezone`, a tz database name such as `America/New_York`) shows the run's
 *   wall-clock time in the reference zone, so a DAILY 09:00 campaign arrives at 09:00 local on
 *   both sides of a DST change. A wall time that does not exist that day (skipped by a spring-
 *   forward change) is sent as many minutes after the change as it was past its start
 *   (02:30 → 03:30); a wall time that occurs twice (fall back) is sent at its first occurrence.
 *   An endpoint without a valid time zone gets the run at the reference time.
 * - Quiet time compares the endpoint's own wall clock, so it follows the endpoint's DST. An endpoint
 *   without a valid time zone is never in quiet time (as the `Schedule.QuietTime` documentation says).
 */
import type { CampaignResponse, QuietTime } from "@aws-sdk/client-pinpoint";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const FIXED_PERIOD_MS: Record<string, number> = { HOURLY: HOUR_MS, DAILY: DAY_MS, WEEKLY: 7 * DAY_MS };

/**
 * When the scheduler should first start a run of this campaign version, in ms since the epoch
 * (the scheduled instant less `runLeadMs`, which only `IsLocalTime` schedules have); undefined
 * when no scheduled run is due (paused, or an `EVENT` campaign, which PutEvents fires).
 * `now` is when the version was written: `IMMEDIATE` means then.
 */
export function firstRunAt(campaign: CampaignResponse, now: number): number | undefined {
  const schedule = campaign.Schedule;
  if (campaign.IsPaused || !schedule || schedule.Frequency === "EVENT") return undefined;
  if (schedule.StartTime === undefined || schedule.StartTime === "IMMEDIATE") return now - runLeadMs(campaign);
  const start = Date.parse(schedule.StartTime);
  return Number.isNaN(start) ? undefined : start - runLeadMs(campaign);
}

/**
 * How long before a run's scheduled instant the scheduler starts it: for an `IsLocalTime` schedule,
 * as early as the run's wall-clock time reaches UTC+14 (`localRunSpan(...).from`), so that
 * endpoints east of the reference zone get it on time; 0 otherwise. The same for every run of a
 * campaign version (the reference zone's offset is fixed), so the scheduler stores the start
 * instant (`next_run_at`) and recovers the scheduled one by adding this back.
 */
export function runLeadMs(campaign: CampaignResponse): number {
  return 0 - localRunSpan(campaign, 0).from;
}

/**
 * For the scheduler: a run that starts at `firesAt` (what firstRunAt or an earlier `nextFiring`
 * returned) is the run scheduled at `scheduledAt`; the next one starts at `nextFiresAt`
 * (undefined: none). Runs whose start passed while every process was down are not caught up:
 * the next is the first that starts after `now`.
 */
export function nextFiring(
  campaign: CampaignResponse,
  firesAt: number,
  now: number,
): { scheduledAt: number; nextFiresAt: number | undefined } {
  const lead = runLeadMs(campaign);
  const scheduledAt = firesAt + lead;
  const next = nextRunAt(campaign, Math.max(scheduledAt, now + lead));
  return { scheduledAt, nextFiresAt: next === undefined ? undefined : next - lead };
}

/**
 * The next scheduled run strictly after a run at `after` (ms since the epoch), or undefined when
 * there is none: a `ONCE` or `EVENT` campaign, a paused one, or the next run would fall after
 * `EndTime`. Runs are counted from `StartTime` (for `IMMEDIATE`, from when the version was written,
 * `LastModifiedDate`), so a late run does not shift the ones after it.
 */
export function nextRunAt(campaign: CampaignResponse, after: number): number | undefined {
  const schedule = campaign.Schedule;
  const frequency = schedule?.Frequency;
  if (campaign.IsPaused || !schedule || frequency === undefined || frequency === "ONCE" || frequency === "EVENT") return undefined;
  const anchor = scheduleAnchor(campaign) ?? after;
  let next: number;
  if (after < anchor) next = anchor;
  else if (frequency === "MONTHLY") next = nextMonthly(anchor, referenceOffsetMs(campaign), after);
  else {
    const period = FIXED_PERIOD_MS[frequency];
    if (period === undefined) return undefined;
    next = anchor + (Math.floor((after - anchor) / period) + 1) * period;
  }
  const end = schedule.EndTime === undefined ? undefined : Date.parse(schedule.EndTime);
  if (end !== undefined && !Number.isNaN(end) && next > end) return undefined;
  return next;
}

/** The first run's instant: StartTime, or for IMMEDIATE when the version was written. */
function scheduleAnchor(campaign: CampaignResponse): number | undefined {
  const start = campaign.Schedule?.StartTime;
  const written = start === undefined || start === "IMMEDIATE" ? (campaign.LastModifiedDate ?? campaign.CreationDate) : start;
  if (written === undefined) return undefined;
  const ms = Date.parse(written);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The n-th month after the anchor, on the reference zone's calendar, day clamped to the month's end. */
function nextMonthly(anchor: number, offsetMs: number, after: number): number {
  const wall = new Date(anchor + offsetMs);
  const year = wall.getUTCFullYear();
  const month = wall.getUTCMonth();
  const day = wall.getUTCDate();
  const timeOfDay = anchor + offsetMs - Date.UTC(year, month, day);
  const occurrence = (n: number) => {
    const last = new Date(Date.UTC(year, month + n + 1, 0)).getUTCDate();
    return Date.UTC(year, month + n, Math.min(day, last)) + timeOfDay - offsetMs;
  };
  const afterWall = new Date(after + offsetMs);
  let n = Math.max(0, (afterWall.getUTCFullYear() - year) * 12 + afterWall.getUTCMonth() - month - 1);
  while (occurrence(n) <= after) n++;
  return occurrence(n);
}

/** `UTC`, `UTC+01`, `UTC-05`, `UTC+05:30` (Schedule.Timezone's forms) → minutes east of UTC. */
export function parseUtcOffset(value: string): number | undefined {
  const m = /^UTC(?:([+-])(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (!m) return undefined;
  if (m[1] === undefined) return 0;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? "0");
  if (hours > 14 || minutes > 59 || (hours === 14 && minutes > 0)) return undefined;
  return (m[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Schedule.Timezone as written by clients, in the form the rest of this module reads: `UTC` with an
 * offset in any case and with one- or two-digit hours (the AWS CLI examples write `utc`), as
 * `UTC±hh:mm`; anything else (a tz database name) as given.
 */
export function normalizeTimezone(value: string): string {
  const m = /^utc(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/i.exec(value);
  if (!m) return value;
  return m[1] === undefined ? "UTC" : `UTC${m[1]}${m[2].padStart(2, "0")}:${m[3] ?? "00"}`;
}

/** The zone a schedule steps in: Schedule.Timezone, else StartTime's written offset, else UTC (ms east of UTC). */
function referenceOffsetMs(campaign: CampaignResponse): number {
  const schedule = campaign.Schedule;
  const start = Date.parse(schedule?.StartTime === "IMMEDIATE" ? (campaign.LastModifiedDate ?? "") : (schedule?.StartTime ?? ""));
  const fromTimezone =
    schedule?.Timezone === undefined ? undefined : zoneOffsetMs(normalizeTimezone(schedule.Timezone), Number.isNaN(start) ? 0 : start);
  if (fromTimezone !== undefined) return fromTimezone;
  const written = /([+-])(\d{2}):?(\d{2})$/.exec(schedule?.StartTime ?? "");
  if (!written) return 0;
  return (written[1] === "-" ? -1 : 1) * (Number(written[2]) * 60 + Number(written[3])) * 60_000;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** A formatter for a tz database name, or null when Intl does not know the zone. */
function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      f = null;
    }
    // Bounded: endpoint time zones come from callers, and a map of every string ever seen would grow.
    if (formatters.size < 1000) formatters.set(zone, f);
  }
  return f;
}

/**
 * How far (ms) an endpoint's clock is ahead of UTC at `at`, for a tz database name (Demographic.Timezone)
 * or a fixed `UTC±hh[:mm]`; undefined for anything else, which callers treat as "no valid time zone".
 */
export function zoneOffsetMs(zone: string | undefined, at: number): number | undefined {
  if (zone === undefined || zone === "") return undefined;
  const fixed = parseUtcOffset(zone);
  if (fixed !== undefined) return fixed * 60_000;
  const f = formatterFor(zone);
  if (!f) return undefined;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(at)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** Whether `zone` is a time zone pinrec can read (a tz database name or `UTC±hh[:mm]`). */
export const isValidTimezone = (zone: string | undefined): boolean => zoneOffsetMs(zone, 0) !== undefined;

/**
 * The instant at which `zone`'s clock shows `wall` (a wall-clock time written as if it were UTC ms).
 * Skipped wall times (spring forward) land as far after the change as they were past its start;
 * repeated ones (fall back) take the first occurrence.
 */
function wallToInstant(zone: string, wall: number): number {
  // At most one offset change lies within a day of any wall time, so the offsets a day either side
  // are the only candidates.
  const early = zoneOffsetMs(zone, wall - DAY_MS)!;
  const late = zoneOffsetMs(zone, wall + DAY_MS)!;
  const valid = [wall - early, wall - late].filter((t) => zoneOffsetMs(zone, t) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  return wall - early;
}

/**
 * When an endpoint should get a scheduled run: for an `IsLocalTime` schedule, when the endpoint's
 * clock (Demographic.Timezone) shows the wall-clock time the run has in the schedule's reference
 * zone; otherwise, and for an endpoint without a valid time zone, `scheduledUtc` itself. The
 * result may be before `scheduledUtc` (endpoints east of the reference zone).
 */
export function localRunAt(campaign: CampaignResponse, scheduledUtc: number, endpointTimezone: string | undefined): number {
  if (!sendsAtLocalTime(campaign) || !isValidTimezone(endpointTimezone)) return scheduledUtc;
  return wallToInstant(endpointTimezone!, scheduledUtc + referenceOffsetMs(campaign));
}

/**
 * Whether runs reach endpoints at their own local time: an `IsLocalTime` schedule, other than an
 * `EVENT` one (an event's message answers the event; IsLocalTime only places its StartTime/EndTime).
 */
export const sendsAtLocalTime = (campaign: CampaignResponse): boolean =>
  campaign.Schedule?.IsLocalTime === true && campaign.Schedule.Frequency !== "EVENT";

/** Local times span UTC-12 to UTC+14. */
const EARLIEST_OFFSET_MS = 14 * HOUR_MS;
const LATEST_OFFSET_MS = 12 * HOUR_MS;

/**
 * The instants between which `localRunAt` can place any endpoint's delivery of a scheduled run:
 * for an `IsLocalTime` schedule, from when the run's wall-clock time reaches UTC+14 to when it
 * reaches UTC-12 (a scheduler starts the run at `from` and releases each endpoint at its own time);
 * otherwise just `scheduledUtc`.
 */
export function localRunSpan(campaign: CampaignResponse, scheduledUtc: number): { from: number; to: number } {
  if (!sendsAtLocalTime(campaign)) return { from: scheduledUtc, to: scheduledUtc };
  const wall = scheduledUtc + referenceOffsetMs(campaign);
  return { from: Math.min(scheduledUtc, wall - EARLIEST_OFFSET_MS), to: Math.max(scheduledUtc, wall + LATEST_OFFSET_MS) };
}

/** `HH:mm` (QuietTime.Start and End, 24-hour clock) → minutes after midnight; undefined when malformed. */
export function parseClock(value: string | undefined): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value ?? "");
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/**
 * Whether `at` falls in the quiet time for an endpoint in `endpointTimezone`: its local time is
 * at or after `Start` and at or before `End` (both `HH:mm`; a window whose Start is later than its
 * End spans midnight). No quiet time, a malformed one, or an endpoint without a valid time zone:
 * never quiet (Schedule.QuietTime in the API reference: all three conditions must hold).
 */
export function inQuietTime(quietTime: QuietTime | undefined, endpointTimezone: string | undefined, at: number): boolean {
  const start = parseClock(quietTime?.Start);
  const end = parseClock(quietTime?.End);
  if (start === undefined || end === undefined) return false;
  const offset = zoneOffsetMs(endpointTimezone, at);
  if (offset === undefined) return false;
  const local = (((at + offset) % DAY_MS) + DAY_MS) % DAY_MS;
  const startMs = start * 60_000;
  const endMs = end * 60_000;
  return startMs <= endMs ? local >= startMs && local <= endMs : local >= startMs || local <= endMs;
}
