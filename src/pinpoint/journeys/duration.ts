/**
 * ISO 8601 durations, as journeys give them: `WaitTime.WaitFor` ("The amount of time to wait, as a
 * duration in ISO 8601 format, before determining whether the activity's conditions have been met
 * or moving participants to the next activity", WaitTime in the Amazon Pinpoint API Reference),
 * `Limits.EndpointReentryInterval` ("such as PT1H") and `RefreshFrequency`.
 *
 * Years, months, weeks and days are calendar steps in UTC (P1M from 31 January is the last day of
 * February, as `Date` rolls it back); hours, minutes and seconds are fixed lengths.
 */

/** `P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, with at least one part. */
const DURATION =
  /^P(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9}(?:[.,]\d{1,9})?)S)?)?$/;

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** The parts of an ISO 8601 duration, or undefined when `value` is not one. */
export function parseDuration(value: string): Duration | undefined {
  const m = DURATION.exec(value);
  if (!m || value === "P" || value.endsWith("T")) return undefined;
  const [, y, mo, w, d, h, mi, s] = m;
  if ([y, mo, w, d, h, mi, s].every((p) => p === undefined)) return undefined;
  const n = (p: string | undefined) => (p === undefined ? 0 : Number(p.replace(",", ".")));
  return { years: n(y), months: n(mo), weeks: n(w), days: n(d), hours: n(h), minutes: n(mi), seconds: n(s) };
}

/** The instant `duration` after `from` (ms since the epoch). */
export function addDuration(from: number, duration: Duration): number {
  const date = new Date(from);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCFullYear(date.getUTCFullYear() + duration.years);
  date.setUTCMonth(date.getUTCMonth() + duration.months);
  // The same day of the target month, or its last day when it has fewer days.
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  date.setUTCDate(date.getUTCDate() + duration.weeks * 7 + duration.days);
  return date.getTime() + ((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000;
}

/** The duration's length from `from`: what "at least one second" is checked against. */
export const durationMs = (duration: Duration, from = 0): number => addDuration(from, duration) - from;
