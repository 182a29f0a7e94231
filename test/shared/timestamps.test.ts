/** ISO 8601 strings as Pinpoint documents its dates: read field by field, calendar checked, range checked. */
import { describe, expect, test } from "vitest";
import { MAX_TIMESTAMP_MS, iso8601Ms, timestampMs } from "../../src/shared/timestamps.js";

describe("iso8601Ms", () => {
  test.each([
    ["2024-02-29", Date.UTC(2024, 1, 29)],
    ["2000-02-29T12:00Z", Date.UTC(2000, 1, 29, 12)],
    ["2020-01-01T00:00:00.123456Z", Date.UTC(2020, 0, 1, 0, 0, 0, 123)],
    ["2020-01-01T00:00:00-0130", Date.UTC(2020, 0, 1, 1, 30)],
    ["2020-01-01T00:00:00+05:30", Date.UTC(2019, 11, 31, 18, 30)],
    ["1970-01-01T00:00:00Z", 0],
    ["9999-12-31T23:59:59.999Z", Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
    ["2020-01-01T00:00:00.5Z", Date.UTC(2020, 0, 1, 0, 0, 0, 500)],
    ["2020-01-01T00:00:00.1239Z", Date.UTC(2020, 0, 1, 0, 0, 0, 123)],
    ["2020-01-01T12:00:00+23:59", Date.UTC(2019, 11, 31, 12, 1)],
    ["2020-01-01T12:00:00-23:59", Date.UTC(2020, 0, 2, 11, 59)],
    ["2020-03-31T23:59:59Z", Date.UTC(2020, 2, 31, 23, 59, 59)],
    ["2020-01-01T05:06Z", Date.UTC(2020, 0, 1, 5, 6)],
  ])("%s is %d", (value, ms) => {
    expect(iso8601Ms(value)).toBe(ms);
  });

  test.each([
    "2023-02-29",
    "1900-02-29",
    "2024-02-30",
    "2024-13-01",
    "2024-00-10",
    "2020-01-01T24:00Z",
    "2020-01-01T23:60Z",
    "2020-01-01T00:00:00+24:00",
    "2020-01-01T00:00:00+23:60",
    "2024-01-00",
    "2024-04-31",
    "2020-01-01T00:00:60Z",
    "2020-01-01T00:00:00+01",
    "1969-12-31T23:59:59Z",
    "+275760-09-13T00:00:00.000Z",
    "1",
    "Jan 1 2000",
    "2020-01-01 00:00:00",
    "2020-01-01T10:20:30",
    "",
  ])("%j is refused", (value) => {
    expect(iso8601Ms(value)).toBeUndefined();
  });

  test("numbers and other types are refused", () => {
    expect(iso8601Ms(0)).toBeUndefined();
    expect(iso8601Ms(null)).toBeUndefined();
  });
});

describe("timestampMs (the protocols' timestamps: epoch seconds or date strings)", () => {
  test("numbers are epoch seconds, strings dates; the range is 1970 to 9999 inclusive", () => {
    expect(timestampMs(1.5)).toBe(1500);
    expect(timestampMs(0)).toBe(0);
    expect(timestampMs("2020-01-01T00:00:00Z")).toBe(Date.UTC(2020, 0, 1));
    expect(timestampMs(MAX_TIMESTAMP_MS / 1000)).toBe(MAX_TIMESTAMP_MS);
    expect(timestampMs(MAX_TIMESTAMP_MS / 1000 + 0.001)).toBeUndefined();
    expect(timestampMs(-0.001)).toBeUndefined();
    expect(timestampMs("1969-12-31T23:59:59.999Z")).toBeUndefined();
    expect(timestampMs(Number.NaN)).toBeUndefined();
    expect(timestampMs(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(timestampMs("not a date")).toBeUndefined();
    expect(timestampMs(null)).toBeUndefined();
    expect(timestampMs({})).toBeUndefined();
  });
});
