/** ISO 8601 strings as Pinpoint documents its dates: read field by field, calendar checked, range checked. */
import { describe, expect, test } from "vitest";
import { iso8601Ms } from "../../src/shared/timestamps.js";

describe("iso8601Ms", () => {
  test.each([
    ["2024-02-29", Date.UTC(2024, 1, 29)],
    ["2000-02-29T12:00Z", Date.UTC(2000, 1, 29, 12)],
    ["2020-01-01T00:00:00.123456Z", Date.UTC(2020, 0, 1, 0, 0, 0, 123)],
    ["2020-01-01T00:00:00-0130", Date.UTC(2020, 0, 1, 1, 30)],
    ["2020-01-01T00:00:00+05:30", Date.UTC(2019, 11, 31, 18, 30)],
    ["1970-01-01T00:00:00Z", 0],
    ["9999-12-31T23:59:59.999Z", Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
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
