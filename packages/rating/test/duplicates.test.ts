import { describe, expect, it } from "vitest";
import { RatingInputError } from "../src/index.js";
import { amountOf, itemOf, rate, voice } from "./builders.js";

describe("duplicates in the CDR feed", () => {
  it("one event delivered twice: the smaller record_id is rated, the other is 0 and uses nothing", () => {
    const a = voice(61, { recordId: "V12", otherParty: "01066668888" });
    const b = voice(61, { recordId: "V11", otherParty: "01066668888" });
    const month = rate([a, b]);
    expect(amountOf(month, "V11")).toBe("0.50");
    expect(itemOf(month, "V12")).toMatchObject({
      status: "duplicate_usage",
      cents: 0,
      explanation: { duplicateOf: "V11" },
    });
  });

  it("the same instant written in another offset is the same event", () => {
    const a = voice(60, { recordId: "A", at: "2026-09-10T10:00:00+08:00" });
    const b = voice(60, { recordId: "B", at: "2026-09-10T02:00:00Z" });
    expect(itemOf(rate([a, b]), "B").status).toBe("duplicate_usage");
  });

  it.each([
    ["duration", { durationS: 61 }],
    ["other party", { otherParty: "88012346" }],
    ["direction", { direction: "in" as const }],
    ["start time", { at: "2026-09-10T10:00:01+08:00" }],
  ])("records differing in %s are two events", (_field, change) => {
    const a = voice(60, { recordId: "A" });
    const b = voice(60, { recordId: "B", ...change });
    expect(itemOf(rate([a, b]), "B").status).toBe("ok");
  });

  it("three deliveries: the first id is rated, both others point at it", () => {
    const rs = ["C", "A", "B"].map((id) => voice(60, { recordId: id }));
    const month = rate(rs);
    expect(["A", "B", "C"].map((id) => itemOf(month, id).status)).toEqual(["ok", "duplicate_usage", "duplicate_usage"]);
    expect(itemOf(month, "C").explanation).toMatchObject({ duplicateOf: "A" });
  });

  it("a repeated record_id is refused: ingest quarantines it before rating", () => {
    expect(() => rate([voice(60, { recordId: "X" }), voice(30, { recordId: "X" })])).toThrow(RatingInputError);
  });

  it("a record outside the month is refused", () => {
    expect(() => rate([voice(60, { at: "2026-09-30T16:00:00Z" })])).toThrow(/not of/);
  });
});
