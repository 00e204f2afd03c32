import { describe, expect, it } from "vitest";
import type { Subscription } from "../src/index.js";
import { parseTimestamp } from "../src/index.js";
import { amountOf, itemOf, ME, period, planJson, rate, voice } from "./builders.js";

const at = (t: string) => parseTimestamp(t) as number;

describe("monthly fee, prorated for partial months", () => {
  it.each([
    ["whole month", "2024-01-01", null, "30.00", 30],
    ["activated on the 11th of a 30-day month", "2026-09-11", null, "20.00", 20],
    ["activated on the last day", "2026-09-30", null, "1.00", 1],
    ["terminated on the 16th (exclusive)", "2024-01-01", "2026-09-16", "15.00", 15],
    ["activated and terminated within the month", "2026-09-05", "2026-09-08", "3.00", 3],
  ])("%s", (_case, from, to, amount, days) => {
    const month = rate([], { periods: [period({ activeFrom: from, activeTo: to })] });
    expect(amountOf(month, "FEE:P1")).toBe(amount);
    expect(itemOf(month, "FEE:P1").explanation).toMatchObject({ activeDays: days, daysInMonth: 30 });
  });

  it("rounds half up: 58.00 × 20/30 = 38.666… → 38.67; 18.00 × 20/30 = 12.00", () => {
    const fee58 = rate([], {
      plans: [planJson({ monthly_fee: "58.00" })],
      periods: [period({ activeFrom: "2026-09-11" })],
    });
    expect(amountOf(fee58, "FEE:P1")).toBe("38.67");
  });

  it("prorates the included allowances the same way, rounded down", () => {
    const plans = [
      planJson({ included: { voice_minutes: 100, voice_categories: ["local_out"], sms: 10, data_mb: 1000 } }),
    ];
    const month = rate([], { plans, periods: [period({ activeFrom: "2026-09-11" })] });
    expect(month.allowances[0]).toMatchObject({
      voiceMinutes: { included: 66 },
      sms: { included: 6 },
      dataKb: { included: 666 * 1024 },
    });
  });

  it("a period that does not touch the month is not charged", () => {
    const month = rate([], { periods: [period({ activeFrom: "2024-01-01", activeTo: "2026-09-01" })] });
    expect(month.items).toEqual([]);
  });

  it("uses the plan version in force for the month; none in force → no_tariff, not zero", () => {
    const plans = [
      planJson({ monthly_fee: "30.00" }),
      planJson({ effective_from: "2026-09-01", monthly_fee: "35.00" }),
      planJson({ effective_from: "2026-10-01", monthly_fee: "40.00" }),
    ];
    expect(amountOf(rate([], { plans }), "FEE:P1")).toBe("35.00");
    expect(amountOf(rate([], { plans, month: "2026-08" }), "FEE:P1")).toBe("30.00");
    const late = [planJson({ effective_from: "2026-10-01" })];
    const r = voice(60);
    const month = rate([r], { plans: late });
    expect(itemOf(month, "FEE:P1")).toMatchObject({ status: "no_tariff", cents: null });
    expect(itemOf(month, r)).toMatchObject({ status: "no_tariff", cents: null });
  });

  it("a record on a day no period covers is no_plan", () => {
    const r = voice(60, { at: "2026-09-10T10:00:00+08:00" });
    const month = rate([r], { periods: [period({ activeFrom: "2026-09-11" })] });
    expect(itemOf(month, r)).toMatchObject({ status: "no_plan", cents: null });
  });
});

describe("value-added subscriptions", () => {
  const vas = (overrides: Record<string, unknown> = {}) => [
    {
      product_id: "V5",
      name: "Five",
      effective_from: "2026-01-01",
      monthly_price: "5.00",
      requires_confirmation: true,
      free_first_month: false,
      ...overrides,
    },
  ];
  const sub = (ordered: string, confirmed: string | null, cancelled: string | null = null): Subscription => ({
    msisdn: ME,
    productId: "V5",
    orderedMs: at(ordered),
    confirmedMs: confirmed === null ? null : at(confirmed),
    cancelledMs: cancelled === null ? null : at(cancelled),
  });
  const charge = (s: Subscription, overrides?: Record<string, unknown>) => {
    const month = rate([], { vas: vas(overrides), subscriptions: [s] });
    const item = month.items.find((i) => i.itemKey === "VAS:V5");
    return item ? `${amountOf(month, "VAS:V5")} ${item.status}` : "not active";
  };

  it.each([
    ["confirmed at once", sub("2026-07-03T10:00:00+08:00", "2026-07-03T10:05:00+08:00"), "5.00 ok"],
    ["confirmed exactly 24 h later", sub("2026-07-03T10:00:00+08:00", "2026-07-04T10:00:00+08:00"), "5.00 ok"],
    ["confirmed 24 h and 1 s later", sub("2026-07-03T10:00:00+08:00", "2026-07-04T10:00:01+08:00"), "0.00 unconfirmed"],
    ["never confirmed", sub("2026-07-03T10:00:00+08:00", null), "0.00 unconfirmed"],
    [
      "cancelled during the month: still charged",
      sub("2026-07-03T10:00:00+08:00", "2026-07-03T10:01:00+08:00", "2026-09-02T00:00:00+08:00"),
      "5.00 ok",
    ],
    [
      "cancelled at the month's first instant: still active",
      sub("2026-07-03T10:00:00+08:00", "2026-07-03T10:01:00+08:00", "2026-09-01T00:00:00+08:00"),
      "5.00 ok",
    ],
    [
      "cancelled the instant before the month",
      sub("2026-07-03T10:00:00+08:00", "2026-07-03T10:01:00+08:00", "2026-08-31T23:59:59+08:00"),
      "not active",
    ],
    [
      "ordered at the last instant of the month",
      sub("2026-09-30T23:59:59+08:00", "2026-09-30T23:59:59+08:00"),
      "5.00 ok",
    ],
    ["ordered after the month", sub("2026-10-01T00:00:00+08:00", "2026-10-01T00:00:00+08:00"), "not active"],
    [
      "ordered in UTC on the month's last day, 2 October in UTC+8",
      sub("2026-09-30T16:00:00Z", "2026-09-30T16:00:00Z"),
      "not active",
    ],
  ])("%s → %s", (_case, s, expected) => {
    expect(charge(s)).toBe(expected);
  });

  it("free first month: 0 in the month of the order, the price after", () => {
    const s = sub("2026-09-02T09:00:00+08:00", "2026-09-02T09:01:00+08:00");
    expect(charge(s, { free_first_month: true })).toBe("0.00 ok");
    const october = rate([], { vas: vas({ free_first_month: true }), subscriptions: [s], month: "2026-10" });
    expect(amountOf(october, "VAS:V5")).toBe("5.00");
  });

  it("without requires_confirmation an unconfirmed order is charged", () => {
    expect(charge(sub("2026-07-03T10:00:00+08:00", null), { requires_confirmation: false })).toBe("5.00 ok");
  });

  it("one item per product and month when an order is cancelled and placed again", () => {
    const first = sub("2026-07-03T10:00:00+08:00", "2026-07-03T10:01:00+08:00", "2026-09-05T00:00:00+08:00");
    const again = sub("2026-09-20T10:00:00+08:00", null);
    const month = rate([], { vas: vas(), subscriptions: [again, first] });
    expect(month.items.filter((i) => i.itemKey === "VAS:V5")).toHaveLength(1);
    expect(amountOf(month, "VAS:V5")).toBe("5.00");
  });
});
