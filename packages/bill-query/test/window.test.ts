import { parseTimestamp } from "@billing/rating";
import { describe, expect, it } from "vitest";
import { checkMonth, queryableMonths } from "../src/index.js";

const at = (t: string) => parseTimestamp(t) as number;

describe("the six-month query window, in UTC+8", () => {
  it("is the current month and the five before it", () => {
    expect(queryableMonths(at("2026-11-25T10:00:00+08:00"))).toEqual([
      "2026-11",
      "2026-10",
      "2026-09",
      "2026-08",
      "2026-07",
      "2026-06",
    ]);
  });

  it("turns over at UTC+8 midnight, not UTC", () => {
    expect(queryableMonths(at("2026-11-30T15:59:59Z"))[0]).toBe("2026-11");
    expect(queryableMonths(at("2026-11-30T16:00:00Z"))[0]).toBe("2026-12");
    expect(queryableMonths(at("2027-02-01T00:00:00+08:00"))).toContain("2026-09");
  });

  it.each([
    ["2026-06", { ok: true, month: "2026-06" }],
    ["2026-05", { ok: false, code: "month_out_of_window" }],
    ["2026-12", { ok: false, code: "month_out_of_window" }],
    ["2026-13", { ok: false, code: "invalid_month" }],
    ["202611", { ok: false, code: "invalid_month" }],
  ])("%s → %o", (month, expected) => {
    expect(checkMonth(month, at("2026-11-25T10:00:00+08:00"))).toMatchObject(expected);
  });
});
