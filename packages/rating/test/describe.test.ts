import { expect, describe as group, it } from "vitest";
import { describeItem, parseTimestamp, type Subscription } from "../src/index.js";
import { data, GROUP_MATE, itemOf, ME, period, planJson, rate, sms, voice } from "./builders.js";

const line = (records: Parameters<typeof rate>[0], key: string, options: Parameters<typeof rate>[1] = {}) =>
  describeItem(itemOf(rate(records, options), key));

group("one line in plain words per item", () => {
  it.each([
    [voice(61, { recordId: "X", otherParty: "01066668888" }), "long distance to 010, 2 min × 0.25 = 0.50"],
    [voice(7, { recordId: "X", otherParty: "+85291234567" }), "international call, 2 × 6 s × 0.30 = 0.60"],
    [voice(200, { recordId: "X", otherParty: GROUP_MATE }), "group call (VPMN G1), 4 min × 0.05 = 0.20"],
    [
      voice(300, { recordId: "X", direction: "in", visitedArea: "021" }),
      "incoming call while roaming in 021, 5 min × 0.25 = 1.25",
    ],
    [voice(95, { recordId: "X", otherParty: "10086" }), "call to service number 10086, 95 s, free"],
    [voice(0, { recordId: "X" }), "local call, 0 s, free"],
    [voice(45, { recordId: "X", direction: "in" }), "incoming call, 45 s, free"],
    [
      voice(30, { recordId: "X", otherParty: "13711112222" }),
      "cannot be rated: mobile prefix 1371111 is not in the number plan",
    ],
    [sms("+85291234567", { recordId: "X" }), "international SMS, 1 × 1.00 = 1.00"],
    [sms("10086", { recordId: "X" }), "SMS to service number 10086, free"],
    [sms("13905710002", { recordId: "X", direction: "in" }), "incoming SMS, free"],
    [sms("13905710002", { recordId: "X" }), "SMS, 1 × 0.10 = 0.10"],
    [data(3 * 1024 * 1024, { recordId: "X" }), "data 3072 KB, 3072 KB × 0.29/MB = 0.87"],
    [data(0, { recordId: "X" }), "data, 0 KB, free"],
  ])("%#: %s", (record, expected) => {
    expect(line([record], "X")).toBe(expected);
  });

  it("fees, prorated or not", () => {
    expect(line([], "FEE:P1")).toBe("monthly fee of P1 (Test plan, tariff of 2026-01-01) = 30.00");
    expect(line([], "FEE:P1", { periods: [period({ activeFrom: "2026-09-11" })] })).toBe(
      "monthly fee of P1 (Test plan, tariff of 2026-01-01), 30.00 × 20/30 days active (from 2026-09-11) = 20.00",
    );
  });

  it("value-added charges", () => {
    const vas = [
      {
        product_id: "V5",
        name: "Five",
        effective_from: "2026-01-01",
        monthly_price: "5.00",
        requires_confirmation: true,
        free_first_month: true,
      },
    ];
    const sub = (confirmed: string | null): Subscription => ({
      msisdn: ME,
      productId: "V5",
      orderedMs: parseTimestamp("2026-09-12T12:00:00+08:00") as number,
      confirmedMs: confirmed === null ? null : (parseTimestamp(confirmed) as number),
      cancelledMs: null,
    });
    expect(line([], "VAS:V5", { vas, subscriptions: [sub(null)] })).toBe(
      "V5 (Five) monthly 5.00, ordered 2026-09-12, never confirmed: may not be charged = 0.00",
    );
    expect(line([], "VAS:V5", { vas, subscriptions: [sub("2026-09-12T12:01:00+08:00")] })).toBe(
      "V5 (Five) monthly 5.00, first month free = 0.00",
    );
  });

  it("included allowances and the cap", () => {
    const plans = [planJson({ included: { sms: 1 }, data: { price_per_mb: "1.00", monthly_cap: "1.50" } })];
    expect(line([sms("13905710002", { recordId: "X" })], "X", { plans })).toBe(
      "SMS from included messages (0 left) = 0.00",
    );
    const first = data(1024 * 1024, { recordId: "A", at: "2026-09-05T10:00:00+08:00" });
    const second = data(1024 * 1024, { recordId: "B", at: "2026-09-05T11:00:00+08:00" });
    expect(line([first, second], "B", { plans })).toBe(
      "data 1024 KB, 1024 KB × 1.00/MB = 1.00, capped at 1.50 a month (1.00 already charged) → 0.50",
    );
  });
});
