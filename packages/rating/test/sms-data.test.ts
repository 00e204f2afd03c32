import { describe, expect, it } from "vitest";
import { amountOf, data, itemOf, planJson, rate, sms } from "./builders.js";

describe("SMS charge", () => {
  const plans = [planJson({ included: { sms: 1 } })];
  it("included messages first, chronologically; then domestic price; international and special apart", () => {
    const a = sms("13905710002", { at: "2026-09-04T10:00:00+08:00" });
    const b = sms("13905710002", { at: "2026-09-04T10:01:00+08:00" });
    const intl = sms("+85291234567", { at: "2026-09-04T09:00:00+08:00" });
    const special = sms("10086", { at: "2026-09-04T08:00:00+08:00" });
    const incoming = sms("13905710002", { direction: "in", at: "2026-09-04T07:00:00+08:00" });
    const unknownPrefix = sms("13711112222", { at: "2026-09-04T11:00:00+08:00" });
    const month = rate([b, a, intl, special, incoming, unknownPrefix], { plans });
    expect([a, b, intl, special, incoming, unknownPrefix].map((r) => amountOf(month, r))).toEqual([
      "0.00",
      "0.10",
      "1.00",
      "0.00",
      "0.00",
      "0.10",
    ]);
    expect(itemOf(month, a).explanation).toMatchObject({ category: "domestic", zeroReason: "allowance" });
    expect(itemOf(month, special).explanation).toMatchObject({ zeroReason: "special_number" });
    expect(itemOf(month, incoming).explanation).toMatchObject({ zeroReason: "incoming" });
  });
});

describe("data charge", () => {
  it.each([
    [0, 0, "0.00"],
    [1, 1, "0.01"],
    [1023, 1, "0.01"],
    [1024, 1, "0.01"],
    [1025, 2, "0.02"],
    [1_048_576, 1024, "10.00"],
  ])("%i bytes = %i KB rounded up", (bytes, kb, amount) => {
    const plans = [planJson({ data: { price_per_mb: "10.00" } })];
    const r = data(bytes);
    const month = rate([r], { plans });
    expect(itemOf(month, r).explanation).toMatchObject({ kb });
    expect(amountOf(month, r)).toBe(amount);
  });

  it("splits bytes_up + bytes_down", () => {
    const r = data(512, { bytesDown: 513 });
    expect(itemOf(rate([r]), r).explanation).toMatchObject({ kb: 2 });
  });

  it("included data is used chronologically, partly covering the session that crosses it", () => {
    const plans = [planJson({ included: { data_mb: 1 } })];
    const a = data(600 * 1024, { at: "2026-09-05T10:00:00+08:00" });
    const b = data(600 * 1024, { at: "2026-09-05T11:00:00+08:00" });
    const month = rate([b, a], { plans });
    expect(amountOf(month, a)).toBe("0.00");
    expect(itemOf(month, b).explanation).toMatchObject({ allowanceKb: { used: 424, left: 0 }, chargedKb: 176 });
    expect(amountOf(month, b)).toBe("0.05"); // 176 × 0.29 / 1024 = 0.0498…
  });

  it("rounds each session to 0.01 half up: 1 KB at 0.29/MB = 0.00028 → 0.00", () => {
    const r = data(1);
    expect(itemOf(rate([r]), r)).toMatchObject({ cents: 0, explanation: { zeroReason: "rounded_to_zero" } });
  });

  it("the session that crosses the monthly cap pays only what is left; later sessions are free", () => {
    const plans = [planJson({ data: { price_per_mb: "1.00", monthly_cap: "2.50" } })];
    const s1 = data(1024 * 1024, { at: "2026-09-05T10:00:00+08:00" });
    const s2 = data(1024 * 1024, { at: "2026-09-05T11:00:00+08:00" });
    const s3 = data(1024 * 1024, { at: "2026-09-05T12:00:00+08:00" });
    const s4 = data(1024 * 1024, { at: "2026-09-05T13:00:00+08:00" });
    const month = rate([s4, s3, s2, s1], { plans });
    expect([s1, s2, s3, s4].map((r) => amountOf(month, r))).toEqual(["1.00", "1.00", "0.50", "0.00"]);
    expect(itemOf(month, s3).explanation).toMatchObject({ cap: { applied: true, spentBefore: "2.00" } });
    expect(itemOf(month, s4).explanation).toMatchObject({ zeroReason: "cap_reached" });
  });

  it("a session ending exactly at the cap is not capped", () => {
    const plans = [planJson({ data: { price_per_mb: "1.00", monthly_cap: "2.00" } })];
    const s1 = data(1024 * 1024, { at: "2026-09-05T10:00:00+08:00" });
    const s2 = data(1024 * 1024, { at: "2026-09-05T11:00:00+08:00" });
    const month = rate([s1, s2], { plans });
    expect(amountOf(month, s2)).toBe("1.00");
    expect(itemOf(month, s2).explanation).toMatchObject({ cap: { applied: false } });
  });
});
