import { describe, expect, it } from "vitest";
import { amountOf, categoryOf, GROUP_MATE, itemOf, period, planJson, rate, voice } from "./builders.js";

describe("voice categories (rating.md, first rule that holds)", () => {
  it.each([
    ["international", "0014155550100", "0571", "intl_out"],
    ["international while roaming", "+85291234567", "021", "intl_out"],
    ["special", "10086", "0571", "special"],
    ["special while roaming", "10086", "021", "special"],
    ["group mate", GROUP_MATE, "0571", "vpmn"],
    ["group mate while roaming", GROUP_MATE, "021", "vpmn"],
    ["roaming, local number", "88012345", "021", "roam_out"],
    ["roaming, mobile of the visited area", "13500101234", "010", "roam_out"],
    ["local fixed number", "88012345", "0571", "local_out"],
    ["mobile of the same area", "13805719999", "0571", "local_out"],
    ["fixed number with the home area code", "057188880000", "0571", "local_out"],
    ["fixed number of another area", "01066668888", "0571", "ld_out"],
    ["mobile of another area", "13500101234", "0571", "ld_out"],
  ])("outgoing: %s → %s", (_case, other, visited, category) => {
    const r = voice(60, { otherParty: other, visitedArea: visited });
    expect(categoryOf(rate([r]), r)).toBe(category);
  });

  it("a subscriber without a group never makes vpmn calls", () => {
    const r = voice(60, { otherParty: GROUP_MATE });
    expect(categoryOf(rate([r], { periods: [period({ vpmnGroup: null })] }), r)).toBe("local_out");
  });

  it.each([
    ["at home", "0571", "local_in"],
    ["roaming", "021", "roam_in"],
  ])("incoming %s → %s, whatever the caller's number", (_case, visited, category) => {
    const r = voice(60, { direction: "in", otherParty: "13711112222", visitedArea: visited });
    expect(categoryOf(rate([r]), r)).toBe(category);
  });

  it("an unknown mobile prefix cannot be rated: unknown_destination, no charge, no allowance used", () => {
    const r = voice(60, { otherParty: "13711112222" });
    const after = voice(60, { at: "2026-09-10T11:00:00+08:00" });
    const plans = [planJson({ included: { voice_minutes: 1, voice_categories: ["local_out"] } })];
    const month = rate([r, after], { plans });
    expect(itemOf(month, r)).toMatchObject({ status: "unknown_destination", cents: null });
    expect(amountOf(month, after)).toBe("0.00");
  });
});

describe("voice charge: units", () => {
  it.each([
    [0, 60, "0.00"],
    [1, 60, "0.19"],
    [59, 60, "0.19"],
    [60, 60, "0.19"],
    [61, 60, "0.38"],
    [119, 60, "0.38"],
    [120, 60, "0.38"],
    [121, 60, "0.57"],
    [5, 6, "0.19"],
    [6, 6, "0.19"],
    [7, 6, "0.38"],
  ])("%i s with %i-second units at 0.19 → %s", (duration, unit, amount) => {
    const plans = [
      planJson({ voice: { ...(planJson().voice as object), local_out: { price: "0.19", unit_s: unit } } }),
    ];
    const r = voice(duration);
    expect(amountOf(rate([r], { plans }), r)).toBe(amount);
  });

  it("rounds once at the end, half up: 11 × 0.0333 = 0.3663 → 0.37; 3 × 0.0050 = 0.015 → 0.02", () => {
    const voiceRates = planJson().voice as Record<string, unknown>;
    const plans = [planJson({ voice: { ...voiceRates, ld_out: { price: "0.0333", unit_s: 6 } } })];
    const r = voice(61, { otherParty: "01066668888" });
    expect(amountOf(rate([r], { plans }), r)).toBe("0.37");
    const half = [planJson({ voice: { ...voiceRates, ld_out: { price: "0.0050", unit_s: 60 } } })];
    const s = voice(180, { otherParty: "01066668888" });
    expect(amountOf(rate([s], { plans: half }), s)).toBe("0.02");
  });
});

describe("peak and off-peak by start time in UTC+8", () => {
  const plans = [
    planJson({ off_peak: { from: "23:00", to: "07:00", voice: { local_out: { price: "0.10", unit_s: 60 } } } }),
  ];
  it.each([
    ["2026-09-10T22:59:59+08:00", "0.19", "peak"],
    ["2026-09-10T23:00:00+08:00", "0.10", "off_peak"],
    ["2026-09-10T15:00:00Z", "0.10", "off_peak"],
    ["2026-09-10T14:59:59Z", "0.19", "peak"],
    ["2026-09-11T00:00:00+08:00", "0.10", "off_peak"],
    ["2026-09-11T06:59:59+08:00", "0.10", "off_peak"],
    ["2026-09-11T07:00:00+08:00", "0.19", "peak"],
    ["2026-09-10T23:30:00+09:00", "0.19", "peak"], // 22:30 in UTC+8
  ])("a call starting %s pays %s (%s)", (at, amount, band) => {
    const r = voice(60, { at });
    const month = rate([r], { plans });
    expect(amountOf(month, r)).toBe(amount);
    expect(itemOf(month, r).explanation).toMatchObject({ timeBand: band });
  });

  it("a call starting just before off-peak is peak for its whole length", () => {
    const r = voice(3600, { at: "2026-09-10T22:59:59+08:00" });
    expect(amountOf(rate([r], { plans }), r)).toBe("11.40");
  });

  it("off-peak without a rate for the category uses the normal rate", () => {
    const r = voice(60, { at: "2026-09-10T23:30:00+08:00", otherParty: "01066668888" });
    expect(amountOf(rate([r], { plans }), r)).toBe("0.25");
  });

  it("a window that does not wrap midnight: [12:00, 14:00)", () => {
    const day = [
      planJson({ off_peak: { from: "12:00", to: "14:00", voice: { local_out: { price: "0.05", unit_s: 60 } } } }),
    ];
    const at = (t: string) => voice(60, { at: `2026-09-10T${t}+08:00` });
    const rs = [at("11:59:59"), at("12:00:00"), at("13:59:59"), at("14:00:00")];
    const month = rate(rs, { plans: day });
    expect(rs.map((r) => amountOf(month, r))).toEqual(["0.19", "0.05", "0.05", "0.19"]);
  });
});

describe("included minutes, used chronologically", () => {
  const plans = [planJson({ included: { voice_minutes: 3, voice_categories: ["local_out", "ld_out"] } })];

  it("a call takes ceil(duration/60) minutes; when fewer remain it takes what remains", () => {
    const a = voice(130, { at: "2026-09-10T09:00:00+08:00" }); // 3 minutes: all covered
    const b = voice(61, { at: "2026-09-10T10:00:00+08:00", otherParty: "01066668888" });
    const month = rate([b, a], { plans });
    expect(amountOf(month, a)).toBe("0.00");
    expect(amountOf(month, b)).toBe("0.50");
    expect(itemOf(month, a).explanation).toMatchObject({ allowanceMinutes: { included: 3, used: 3, left: 0 } });
  });

  it("partial coverage: 1 minute left, a 130 s call leaves 70 s uncovered → 2 units", () => {
    const a = voice(120, { at: "2026-09-10T09:00:00+08:00" });
    const b = voice(130, { at: "2026-09-10T10:00:00+08:00" });
    const month = rate([a, b], { plans });
    expect(amountOf(month, b)).toBe("0.38");
    expect(itemOf(month, b).explanation).toMatchObject({ allowanceMinutes: { used: 1, left: 0 }, units: 2 });
  });

  it("ties on start time go by record_id", () => {
    const plans1 = [planJson({ included: { voice_minutes: 1, voice_categories: ["local_out"] } })];
    const a = voice(60, { recordId: "B", at: "2026-09-10T09:00:00+08:00" });
    const b = voice(60, { recordId: "A", at: "2026-09-10T09:00:00+08:00", otherParty: "88000000" });
    const month = rate([a, b], { plans: plans1 });
    expect([amountOf(month, "A"), amountOf(month, "B")]).toEqual(["0.00", "0.19"]);
  });

  it("categories outside included.voice_categories never draw on the minutes", () => {
    const roam = voice(60, { at: "2026-09-10T09:00:00+08:00", visitedArea: "021" });
    const local = voice(180, { at: "2026-09-10T10:00:00+08:00" });
    const month = rate([roam, local], { plans });
    expect(amountOf(month, roam)).toBe("0.39");
    expect(amountOf(month, local)).toBe("0.00");
    expect(itemOf(month, roam).explanation).toMatchObject({ allowanceMinutes: null });
  });

  it("a 0-second call is free and uses no minutes", () => {
    const zero = voice(0, { at: "2026-09-10T09:00:00+08:00" });
    const next = voice(180, { at: "2026-09-10T10:00:00+08:00" });
    const month = rate([zero, next], { plans });
    expect(itemOf(month, zero)).toMatchObject({ cents: 0, explanation: { zeroReason: "zero_duration" } });
    expect(amountOf(month, next)).toBe("0.00");
  });
});
