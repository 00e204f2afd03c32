import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMonths,
  billMonthOf,
  civilOf,
  dayOfCivil,
  formatTimestamp,
  parseDate,
  parseMonth,
  parseTimestamp,
} from "../src/index.js";

describe("time in the billing zone (UTC+8)", () => {
  it.each([
    ["2026-09-30T23:59:59+08:00", "2026-09"],
    ["2026-09-30T15:59:59Z", "2026-09"],
    ["2026-09-30T16:00:00Z", "2026-10"],
    ["2026-10-01T00:00:00+08:00", "2026-10"],
    ["2026-08-31T16:00:00Z", "2026-09"],
    ["2026-09-01T01:00:00+09:00", "2026-09"],
    ["2026-08-31T20:00:00-05:00", "2026-09"],
    ["2026-12-31T16:00:00Z", "2027-01"],
  ])("a record starting %s is of bill month %s", (at, month) => {
    expect(billMonthOf(parseTimestamp(at) as number)).toBe(month);
  });

  it.each(["2026-09-01T00:00:00", "2026-09-31T00:00:00Z", "2026-02-29T00:00:00Z", "2026-09-01 00:00:00Z", "x"])(
    "refuses %s",
    (text) => {
      expect(parseTimestamp(text)).toBeUndefined();
    },
  );

  it("accepts fractions, +0800 and Z", () => {
    expect(parseTimestamp("2026-09-01T00:00:00.5+0800")).toBe(Date.UTC(2026, 7, 31, 16, 0, 0, 500));
    expect(formatTimestamp(Date.UTC(2026, 8, 1, 15))).toBe("2026-09-01T23:00:00+08:00");
  });

  it("agrees with Date for every instant, whatever the machine's zone", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const shifted = new Date(ms + 8 * 3_600_000).toISOString();
        expect(billMonthOf(ms)).toBe(shifted.slice(0, 7));
        expect(parseTimestamp(formatTimestamp(ms))).toBe(ms);
      }),
    );
  });

  it("day numbers round-trip through civil dates", () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), (day) => {
        const { year, month, dayOfMonth } = civilOf(day);
        expect(dayOfCivil(year, month, dayOfMonth)).toBe(day);
      }),
    );
  });

  it("months and dates", () => {
    expect(parseMonth("2026-02")?.days).toBe(28);
    expect(parseMonth("2028-02")?.days).toBe(29);
    expect(parseMonth("2026-13")).toBeUndefined();
    expect(parseDate("2026-02-29")).toBeUndefined();
    expect(addMonths("2026-01", -5)).toBe("2025-08");
    expect(addMonths("2026-11", 2)).toBe("2027-01");
  });
});
