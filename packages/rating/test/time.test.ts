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
  timestampAt,
} from "../src/index.js";

const FIRST_MS = Date.UTC(2000, 0, 1) - 8 * 3_600_000;
const END_MS = Date.UTC(2100, 0, 1) - 8 * 3_600_000;

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
      fc.property(fc.integer({ min: FIRST_MS, max: END_MS - 1 }), (ms) => {
        const shifted = new Date(ms + 8 * 3_600_000).toISOString();
        expect(billMonthOf(ms)).toBe(shifted.slice(0, 7));
        expect(parseTimestamp(formatTimestamp(ms))).toBe(ms);
      }),
    );
  });

  it("reads the common form exactly as the general pattern does, for any text near it", () => {
    // The reference: the general pattern alone, as parseTimestamp read every text before its fast path.
    const PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;
    const reference = (text: string): number | undefined => {
      const m = PATTERN.exec(text);
      if (!m) return undefined;
      const [year, month, dom, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
      // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear does not.
      const utc = (y: number, mo: number, d: number, h = 0, mi = 0, sec = 0, milli = 0) => {
        const date = new Date(0);
        date.setUTCFullYear(y, mo, d);
        date.setUTCHours(h, mi, sec, milli);
        return date;
      };
      const last = utc(year as number, month as number, 0).getUTCDate();
      if ((month as number) < 1 || (month as number) > 12 || (dom as number) < 1 || (dom as number) > last)
        return undefined;
      if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return undefined;
      const zone = (m[8] as string).replace(":", "");
      const oh = zone === "Z" ? 0 : Number(zone.slice(1, 3));
      const om = zone === "Z" ? 0 : Number(zone.slice(3, 5));
      if (oh > 23 || om > 59) return undefined;
      const millis = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
      const offset = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
      const ms = utc(
        year as number,
        (month as number) - 1,
        dom as number,
        hour,
        (minute as number) - offset,
        second,
        millis,
      ).getTime();
      // formats.md: instants of the years 2000-2099 in UTC+8, no others.
      return ms >= FIRST_MS && ms < END_MS ? ms : undefined;
    };
    const digit = fc.constantFrom(..."0123456789");
    const char = fc.oneof(digit, digit, digit, fc.constantFrom("-", ":", "T", "+", "Z", ".", " ", "x", "٣"));
    const near = fc
      .tuple(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.constantFrom("+08:00", "-05:30", "+23:59", "+24:00", "-00:60", "Z", "+0800"),
        fc.array(fc.tuple(fc.nat(30), char), { maxLength: 3 }),
      )
      .map(([ms, zone, edits]) => {
        const chars = [...`${new Date(ms).toISOString().slice(0, 19)}${zone}`];
        for (const [at, c] of edits) chars[at % chars.length] = c;
        return chars.join("");
      });
    fc.assert(
      fc.property(near, (text) => {
        expect(parseTimestamp(text)).toBe(reference(text));
      }),
      { numRuns: 20_000 },
    );
    // Read in place, within a row, as a CDR's start is.
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), near, fc.string({ maxLength: 4 }), (before, text, after) => {
        expect(timestampAt(`${before}${text}${after}`, before.length, before.length + text.length)).toBe(
          reference(text),
        );
      }),
      { numRuns: 5_000 },
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

  it("reads a month as /^(\\d{4})-(\\d{2})$/ with a month of 01-12 does", () => {
    const reference = (text: string) => {
      const m = /^(\d{4})-(\d{2})$/.exec(text);
      const month = Number(m?.[2]);
      const year = Number(m?.[1]);
      return m && month >= 1 && month <= 12 && year >= 2000 && year <= 2099 ? { year, month } : undefined;
    };
    const char = fc.constantFrom("0", "1", "2", "9", "-", "/", ":", " ", "x", "٣");
    const near = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 14 }),
        fc.array(fc.tuple(fc.nat(8), char), { maxLength: 2 }),
        fc.constantFrom("", "-", "0"),
      )
      .map(([year, month, edits, tail]) => {
        const chars = [...`${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`];
        for (const [at, c] of edits) chars[at % chars.length] = c;
        return chars.join("") + tail;
      });
    fc.assert(
      fc.property(near, (text) => {
        const span = parseMonth(text);
        const expected = reference(text);
        expect(
          span === undefined ? undefined : { year: Number(text.slice(0, 4)), month: Number(text.slice(5)) },
        ).toEqual(expected);
        if (span && expected) expect(span.firstDay).toBe(dayOfCivil(expected.year, expected.month, 1));
      }),
      { numRuns: 5000 },
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
