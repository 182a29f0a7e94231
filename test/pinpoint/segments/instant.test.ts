/** Reading attribute values as instants, as BEFORE / AFTER / ON / BETWEEN do. */
import { describe, expect, test } from "vitest";
import { parseInstant, startOfUtcDay } from "../../../src/shared/instant.js";

describe("parseInstant", () => {
  test.each<[string, string | undefined]>([
    ["2024-03-05T10:00:00Z", "2024-03-05T10:00:00.000Z"],
    ["2024-03-05T10:00:00.123456Z", "2024-03-05T10:00:00.123Z"],
    ["2024-03-05T10:00Z", "2024-03-05T10:00:00.000Z"],
    ["2024-03-05T10:00:00+05:30", "2024-03-05T04:30:00.000Z"],
    ["2024-03-05T23:30:00-0200", "2024-03-06T01:30:00.000Z"],
    ["2024-03-05", "2024-03-05T00:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    ["2023-02-29", undefined],
    ["2024-13-01", undefined],
    ["2024-03-05T24:00:00Z", undefined],
    ["2024-03-05T10:00:00", undefined],
    ["2024-03-05 10:00:00Z", undefined],
    ["123", undefined],
    ["", undefined],
    ["yesterday", undefined],
  ])("%s", (value, iso) => {
    const ms = parseInstant(value);
    expect(ms === undefined ? undefined : new Date(ms).toISOString()).toBe(iso);
  });

  test("startOfUtcDay", () => {
    expect(new Date(startOfUtcDay(parseInstant("2024-03-05T23:59:59.999Z")!)).toISOString()).toBe("2024-03-05T00:00:00.000Z");
    expect(new Date(startOfUtcDay(parseInstant("1969-12-31T12:00:00Z")!)).toISOString()).toBe("1969-12-31T00:00:00.000Z");
  });
});
