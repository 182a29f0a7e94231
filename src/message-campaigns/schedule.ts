/**
 * When a campaign runs, from its `Schedule` (Pinpoint REST API, `Schedule` object:
 * `StartTime` is `IMMEDIATE` or an ISO 8601 time, `Frequency` is `ONCE`, `HOURLY`, `DAILY`,
 * `WEEKLY`, `MONTHLY` or `EVENT`, `EndTime` ends a recurring schedule).
 */
import type { CampaignResponse } from "@aws-sdk/client-pinpoint";

/**
 * When the scheduler should first start a run of this campaign version, in ms since the epoch;
 * undefined when no scheduled run is due (paused, or an `EVENT` campaign, which PutEvents fires).
 * `now` is when the version was written: `IMMEDIATE` means then.
 */
export function firstRunAt(campaign: CampaignResponse, now: number): number | undefined {
  const schedule = campaign.Schedule;
  if (campaign.IsPaused || !schedule || schedule.Frequency === "EVENT") return undefined;
  if (schedule.StartTime === undefined || schedule.StartTime === "IMMEDIATE") return now;
  const start = Date.parse(schedule.StartTime);
  return Number.isNaN(start) ? undefined : start;
}

// ---- TEMPORARY: minimal versions of the schedule helper's functions, so the campaign runner can be
// built against their signatures. The schedule branch replaces this whole block at merge.

const PERIOD_MS: Record<string, number> = { HOURLY: 3_600_000, DAILY: 86_400_000, WEEKLY: 7 * 86_400_000 };

/** TEMPORARY stub: the first scheduled run strictly after `after`, or undefined when none is left. */
export function nextRunAt(campaign: CampaignResponse, after: number): number | undefined {
  const schedule = campaign.Schedule;
  if (campaign.IsPaused || !schedule) return undefined;
  const start = schedule.StartTime === undefined || schedule.StartTime === "IMMEDIATE" ? Date.parse(campaign.CreationDate ?? "") : Date.parse(schedule.StartTime);
  const end = schedule.EndTime === undefined ? Infinity : Date.parse(schedule.EndTime);
  let next: number | undefined;
  if (schedule.Frequency === "MONTHLY") {
    const d = new Date(start);
    for (let m = 1; d.getTime() <= after; m++) d.setTime(new Date(start).setUTCMonth(new Date(start).getUTCMonth() + m));
    next = d.getTime();
  } else if (schedule.Frequency !== undefined && PERIOD_MS[schedule.Frequency] !== undefined && !Number.isNaN(start)) {
    const period = PERIOD_MS[schedule.Frequency];
    next = after < start ? start : start + (Math.floor((after - start) / period) + 1) * period;
  }
  return next !== undefined && next <= end ? next : undefined;
}

/** TEMPORARY stub: whether `at` falls within the quiet time, in the endpoint's time zone (UTC when unknown). */
export function inQuietTime(quietTime: { Start?: string; End?: string } | undefined, endpointTimezone: string | undefined, at: number): boolean {
  if (!quietTime?.Start || !quietTime.End || endpointTimezone === undefined) return false;
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-GB", { timeZone: endpointTimezone ?? "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  } catch {
    parts = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  }
  const local = Number(parts.find((p) => p.type === "hour")!.value) * 60 + Number(parts.find((p) => p.type === "minute")!.value);
  const start = minutes(quietTime.Start);
  const end = minutes(quietTime.End);
  return start <= end ? local >= start && local < end : local >= start || local < end;
}
