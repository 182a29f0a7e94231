/** The schedule math: recurring runs, local-time delivery and quiet time, with real tz data (Intl). */
import { describe, expect, it } from "vitest";
import type { CampaignResponse, Schedule } from "@aws-sdk/client-pinpoint";
import {
  firstRunAt,
  inQuietTime,
  isValidTimezone,
  localRunAt,
  localRunSpan,
  nextFiring,
  nextRunAt,
  runLeadMs,
  parseClock,
  parseUtcOffset,
  zoneOffsetMs,
} from "../../../src/pinpoint/campaigns/schedule.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const campaign = (schedule: Schedule, extra: Partial<CampaignResponse> = {}): CampaignResponse =>
  ({
    Id: "c",
    ApplicationId: "a",
    Arn: "arn",
    CreationDate: "2024-01-01T00:00:00.000Z",
    LastModifiedDate: "2024-01-01T00:00:00.000Z",
    SegmentId: "s",
    SegmentVersion: 1,
    Version: 1,
    Schedule: schedule,
    ...extra,
  }) as CampaignResponse;

/** Every run from the first up to `count`, as the scheduler would walk them. */
function runs(c: CampaignResponse, count: number): string[] {
  const out: string[] = [];
  let t = firstRunAt(c, at("2024-01-01T00:00:00Z"));
  while (t !== undefined && out.length < count) {
    out.push(iso(t)!);
    t = nextRunAt(c, t);
  }
  return out;
}

describe("nextRunAt", () => {
  it("steps HOURLY, DAILY and WEEKLY from StartTime", () => {
    expect(runs(campaign({ StartTime: "2024-03-01T10:30:00Z", Frequency: "HOURLY" }), 3)).toEqual([
      "2024-03-01T10:30:00.000Z",
      "2024-03-01T11:30:00.000Z",
      "2024-03-01T12:30:00.000Z",
    ]);
    expect(runs(campaign({ StartTime: "2024-02-28T08:00:00Z", Frequency: "DAILY" }), 3)).toEqual([
      "2024-02-28T08:00:00.000Z",
      "2024-02-29T08:00:00.000Z",
      "2024-03-01T08:00:00.000Z",
    ]);
    expect(runs(campaign({ StartTime: "2024-03-01T08:00:00Z", Frequency: "WEEKLY" }), 3)).toEqual([
      "2024-03-01T08:00:00.000Z",
      "2024-03-08T08:00:00.000Z",
      "2024-03-15T08:00:00.000Z",
    ]);
  });

  it("is strictly after `after` and does not drift when a run starts late", () => {
    const c = campaign({ StartTime: "2024-03-01T10:00:00Z", Frequency: "HOURLY" });
    expect(iso(nextRunAt(c, at("2024-03-01T10:00:00Z")))).toBe("2024-03-01T11:00:00.000Z");
    // A run that started 20 minutes late: the next one is still on the hour.
    expect(iso(nextRunAt(c, at("2024-03-01T11:20:00Z")))).toBe("2024-03-01T12:00:00.000Z");
    // A scheduler that was down for a day resumes at the next slot, not with a backlog.
    expect(iso(nextRunAt(c, at("2024-03-02T15:59:59.999Z")))).toBe("2024-03-02T16:00:00.000Z");
    // Before the start, the next run is the start.
    expect(iso(nextRunAt(c, at("2024-02-01T00:00:00Z")))).toBe("2024-03-01T10:00:00.000Z");
  });

  it("keeps MONTHLY on the start's day of month, clamped to short months without drifting", () => {
    expect(runs(campaign({ StartTime: "2024-01-31T09:00:00Z", Frequency: "MONTHLY" }), 5)).toEqual([
      "2024-01-31T09:00:00.000Z",
      "2024-02-29T09:00:00.000Z",
      "2024-03-31T09:00:00.000Z",
      "2024-04-30T09:00:00.000Z",
      "2024-05-31T09:00:00.000Z",
    ]);
    expect(runs(campaign({ StartTime: "2023-12-30T00:00:00Z", Frequency: "MONTHLY" }), 3)).toEqual([
      "2023-12-30T00:00:00.000Z",
      "2024-01-30T00:00:00.000Z",
      "2024-02-29T00:00:00.000Z",
    ]);
    // Across a year, from any instant inside a month.
    const c = campaign({ StartTime: "2024-01-15T12:00:00Z", Frequency: "MONTHLY" });
    expect(iso(nextRunAt(c, at("2025-06-20T00:00:00Z")))).toBe("2025-07-15T12:00:00.000Z");
    expect(iso(nextRunAt(c, at("2025-06-15T11:59:59Z")))).toBe("2025-06-15T12:00:00.000Z");
  });

  it("counts MONTHLY days on the schedule's own calendar (Timezone, else StartTime's offset)", () => {
    // 23:00 on the 31st at UTC-05 is the 1st in UTC; the runs stay on the last evening of each month there.
    const byTimezone = campaign({ StartTime: "2024-02-01T04:00:00Z", Timezone: "UTC-05", Frequency: "MONTHLY" });
    const byOffset = campaign({ StartTime: "2024-01-31T23:00:00-05:00", Frequency: "MONTHLY" });
    const expected = ["2024-02-01T04:00:00.000Z", "2024-03-01T04:00:00.000Z", "2024-04-01T04:00:00.000Z", "2024-05-01T04:00:00.000Z"];
    expect(runs(byTimezone, 4)).toEqual(expected);
    expect(runs(byOffset, 4)).toEqual(expected);
    // 08:00 on the 30th at UTC+09 is 23:00 on the 29th in UTC: the runs stay on the 30th (the 29th,
    // February's last day, in February) in Tokyo, where UTC's calendar would give the 29th every month.
    const tokyo = campaign({ StartTime: "2024-01-30T08:00:00+09:00", Frequency: "MONTHLY" });
    expect(runs(tokyo, 3)).toEqual(["2024-01-29T23:00:00.000Z", "2024-02-28T23:00:00.000Z", "2024-03-29T23:00:00.000Z"]);
  });

  it("stops at EndTime, after ONCE, and never for EVENT or a paused campaign", () => {
    const daily = campaign({ StartTime: "2024-03-01T08:00:00Z", EndTime: "2024-03-03T08:00:00Z", Frequency: "DAILY" });
    expect(runs(daily, 10)).toEqual(["2024-03-01T08:00:00.000Z", "2024-03-02T08:00:00.000Z", "2024-03-03T08:00:00.000Z"]);
    expect(nextRunAt(daily, at("2024-03-03T08:00:00Z"))).toBeUndefined();
    expect(nextRunAt(campaign({ StartTime: "2024-03-01T08:00:00Z", Frequency: "ONCE" }), at("2024-03-01T08:00:00Z"))).toBeUndefined();
    expect(nextRunAt(campaign({ StartTime: "IMMEDIATE", Frequency: "EVENT" }), at("2024-03-01T08:00:00Z"))).toBeUndefined();
    expect(
      nextRunAt(campaign({ StartTime: "2024-03-01T08:00:00Z", Frequency: "DAILY" }, { IsPaused: true }), at("2024-03-01T08:00:00Z")),
    ).toBeUndefined();
  });

  it("counts an IMMEDIATE schedule from when the version was written", () => {
    const c = campaign({ StartTime: "IMMEDIATE", Frequency: "DAILY" }, { LastModifiedDate: "2024-05-05T13:14:15.000Z" });
    expect(iso(nextRunAt(c, at("2024-05-05T13:14:15.020Z")))).toBe("2024-05-06T13:14:15.000Z");
    expect(iso(nextRunAt(c, at("2024-05-09T00:00:00Z")))).toBe("2024-05-09T13:14:15.000Z");
  });
});

describe("time zones", () => {
  it("reads Schedule.Timezone's UTC offsets and refuses others", () => {
    expect(parseUtcOffset("UTC")).toBe(0);
    expect(parseUtcOffset("UTC-05")).toBe(-300);
    expect(parseUtcOffset("UTC+05:30")).toBe(330);
    expect(parseUtcOffset("UTC+05:45")).toBe(345);
    expect(parseUtcOffset("UTC+14")).toBe(840);
    for (const bad of ["UTC+15", "UTC+5", "GMT+01", "UTC+05:60", "utc", "UTC+14:30"]) expect(parseUtcOffset(bad)).toBeUndefined();
  });

  it("knows tz database names and their DST from Intl", () => {
    expect(isValidTimezone("America/New_York")).toBe(true);
    expect(isValidTimezone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimezone(undefined)).toBe(false);
    expect(zoneOffsetMs("America/New_York", at("2024-01-15T12:00:00Z"))).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs("America/New_York", at("2024-07-15T12:00:00Z"))).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs("Asia/Kolkata", at("2024-07-15T12:00:00Z"))).toBe(5.5 * 3_600_000);
    expect(zoneOffsetMs("UTC+05:45", at("2024-07-15T12:00:00Z"))).toBe(5.75 * 3_600_000);
  });
});

describe("localRunAt", () => {
  const local = (start: string, timezone?: string) =>
    campaign({ StartTime: start, Frequency: "DAILY", IsLocalTime: true, ...(timezone && { Timezone: timezone }) });

  it("sends at the run's wall-clock time in each endpoint's zone", () => {
    // 09:00 at UTC-05 (14:00Z): 09:00 in New York (EST), Berlin and Kolkata.
    const c = local("2024-01-10T14:00:00Z", "UTC-05");
    const run = at("2024-01-10T14:00:00Z");
    expect(iso(localRunAt(c, run, "America/New_York"))).toBe("2024-01-10T14:00:00.000Z");
    expect(iso(localRunAt(c, run, "Europe/Berlin"))).toBe("2024-01-10T08:00:00.000Z");
    expect(iso(localRunAt(c, run, "Asia/Kolkata"))).toBe("2024-01-10T03:30:00.000Z");
    expect(iso(localRunAt(c, run, "UTC+05:30"))).toBe("2024-01-10T03:30:00.000Z");
  });

  it("keeps a DAILY local run at the same local time across a DST change", () => {
    const c = local("2024-03-09T14:00:00Z", "UTC-05"); // 09:00 at UTC-05
    const first = at("2024-03-09T14:00:00Z");
    const second = nextRunAt(c, first)!;
    expect(iso(localRunAt(c, first, "America/New_York"))).toBe("2024-03-09T14:00:00.000Z"); // 09:00 EST
    expect(iso(localRunAt(c, second, "America/New_York"))).toBe("2024-03-10T13:00:00.000Z"); // 09:00 EDT
  });

  it("moves a skipped wall time past the gap and takes a repeated one's first occurrence", () => {
    // 02:30 on 2024-03-10 does not exist in New York (02:00 EST → 03:00 EDT): sent at 03:30 EDT.
    expect(iso(localRunAt(local("2024-03-10T02:30:00Z", "UTC"), at("2024-03-10T02:30:00Z"), "America/New_York"))).toBe(
      "2024-03-10T07:30:00.000Z",
    );
    // 01:30 on 2024-11-03 happens twice (EDT, then EST): the first is 05:30Z.
    expect(iso(localRunAt(local("2024-11-03T01:30:00Z", "UTC"), at("2024-11-03T01:30:00Z"), "America/New_York"))).toBe(
      "2024-11-03T05:30:00.000Z",
    );
  });

  it("uses the reference time for endpoints without a valid zone and for schedules that are not local", () => {
    const run = at("2024-01-10T14:00:00Z");
    expect(localRunAt(local("2024-01-10T14:00:00Z", "UTC-05"), run, undefined)).toBe(run);
    expect(localRunAt(local("2024-01-10T14:00:00Z", "UTC-05"), run, "Not/AZone")).toBe(run);
    expect(localRunAt(campaign({ StartTime: "2024-01-10T14:00:00Z", Frequency: "DAILY" }), run, "Europe/Berlin")).toBe(run);
  });

  it("takes the reference zone from StartTime's offset, else UTC, when Timezone is missing", () => {
    expect(iso(localRunAt(local("2024-01-10T09:00:00+01:00"), at("2024-01-10T08:00:00Z"), "America/New_York"))).toBe(
      "2024-01-10T14:00:00.000Z",
    );
    expect(iso(localRunAt(local("2024-01-10T09:00:00Z"), at("2024-01-10T09:00:00Z"), "Europe/Berlin"))).toBe("2024-01-10T08:00:00.000Z");
  });
});

describe("localRunSpan", () => {
  it("bounds every endpoint's delivery of a local-time run, for real zones at both ends of the clock", () => {
    const c = campaign({ StartTime: "2024-03-09T14:00:00Z", Frequency: "DAILY", IsLocalTime: true, Timezone: "UTC-05" });
    const run = at("2024-03-09T14:00:00Z"); // 09:00 at UTC-05
    const span = localRunSpan(c, run);
    expect([iso(span.from), iso(span.to)]).toEqual(["2024-03-08T19:00:00.000Z", "2024-03-09T21:00:00.000Z"]);
    for (const zone of ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Etc/GMT+12", "Asia/Kathmandu", "America/New_York", undefined]) {
      const t = localRunAt(c, run, zone);
      expect(t >= span.from && t <= span.to, `${zone}: ${iso(t)}`).toBe(true);
    }
    expect(iso(localRunAt(c, run, "Pacific/Kiritimati"))).toBe(iso(span.from));
    expect(localRunSpan(campaign({ StartTime: "2024-03-09T14:00:00Z", Frequency: "DAILY" }), run)).toEqual({ from: run, to: run });
  });
});

describe("inQuietTime", () => {
  const night = { Start: "22:00", End: "08:00" };

  it("holds messages between Start and End in the endpoint's local time, over midnight, ends inclusive", () => {
    // Berlin is UTC+1 in January.
    expect(inQuietTime(night, "Europe/Berlin", at("2024-01-10T20:59:59Z"))).toBe(false);
    expect(inQuietTime(night, "Europe/Berlin", at("2024-01-10T21:00:00Z"))).toBe(true);
    expect(inQuietTime(night, "Europe/Berlin", at("2024-01-10T23:30:00Z"))).toBe(true);
    expect(inQuietTime(night, "Europe/Berlin", at("2024-01-11T07:00:00Z"))).toBe(true);
    expect(inQuietTime(night, "Europe/Berlin", at("2024-01-11T07:00:01Z"))).toBe(false);
    // The same instant is not quiet in New York (16:00 there).
    expect(inQuietTime(night, "America/New_York", at("2024-01-10T21:00:00Z"))).toBe(false);
  });

  it("handles a window within one day and follows the endpoint's DST", () => {
    const lunch = { Start: "12:00", End: "13:30" };
    expect(inQuietTime(lunch, "America/New_York", at("2024-01-10T17:00:00Z"))).toBe(true); // 12:00 EST
    expect(inQuietTime(lunch, "America/New_York", at("2024-07-10T17:00:00Z"))).toBe(true); // 13:00 EDT
    expect(inQuietTime(lunch, "America/New_York", at("2024-07-10T16:00:00Z"))).toBe(true); // 12:00 EDT
    expect(inQuietTime(lunch, "America/New_York", at("2024-01-10T16:00:00Z"))).toBe(false); // 11:00 EST
    expect(inQuietTime(lunch, "UTC-05", at("2024-07-10T16:00:00Z"))).toBe(false); // 11:00 at a fixed offset
  });

  it("is never quiet without a quiet time, with a malformed one, or without a valid endpoint time zone", () => {
    const t = at("2024-01-10T23:00:00Z");
    expect(inQuietTime(undefined, "UTC", t)).toBe(false);
    expect(inQuietTime({ Start: "22:00" }, "UTC", t)).toBe(false);
    expect(inQuietTime({ Start: "24:00", End: "08:00" }, "UTC", t)).toBe(false);
    expect(inQuietTime(night, undefined, t)).toBe(false);
    expect(inQuietTime(night, "Nowhere/Land", t)).toBe(false);
    expect(inQuietTime(night, "UTC", t)).toBe(true);
  });

  it("parses HH:mm and nothing else", () => {
    expect(parseClock("00:00")).toBe(0);
    expect(parseClock("23:59")).toBe(23 * 60 + 59);
    for (const bad of ["24:00", "7:00", "07:60", "07:00:00", "", undefined]) expect(parseClock(bad)).toBeUndefined();
  });
});

describe("firstRunAt and nextFiring for IsLocalTime", () => {
  const c = campaign({ StartTime: "2024-03-09T14:00:00Z", Frequency: "DAILY", IsLocalTime: true, Timezone: "UTC-05" });

  it("start each run when its wall-clock time reaches UTC+14, and recover the scheduled instant from that start", () => {
    const fire = firstRunAt(c, at("2024-03-01T00:00:00Z"))!;
    expect(iso(fire)).toBe(iso(localRunSpan(c, at("2024-03-09T14:00:00Z")).from));
    expect(runLeadMs(c)).toBe(19 * 3_600_000);
    const first = nextFiring(c, fire, fire);
    expect([iso(first.scheduledAt), iso(first.nextFiresAt)]).toEqual(["2024-03-09T14:00:00.000Z", "2024-03-09T19:00:00.000Z"]);
    expect(iso(nextFiring(c, first.nextFiresAt!, first.nextFiresAt!).scheduledAt)).toBe("2024-03-10T14:00:00.000Z");
  });

  it("do not catch up runs whose start passed while no scheduler ran", () => {
    const late = nextFiring(c, at("2024-03-08T19:00:00Z"), at("2024-03-12T00:00:00Z"));
    expect(iso(late.scheduledAt)).toBe("2024-03-09T14:00:00.000Z");
    expect(iso(late.nextFiresAt)).toBe("2024-03-12T19:00:00.000Z");
  });

  it("leave schedules without IsLocalTime at their scheduled instants", () => {
    const plain = campaign({ StartTime: "2024-03-09T14:00:00Z", Frequency: "DAILY" });
    expect(runLeadMs(plain)).toBe(0);
    expect(iso(firstRunAt(plain, 0))).toBe("2024-03-09T14:00:00.000Z");
    expect(iso(nextFiring(plain, at("2024-03-09T14:00:00Z"), at("2024-03-09T14:00:01Z")).nextFiresAt)).toBe("2024-03-10T14:00:00.000Z");
  });
});
