import { expect, describe as group, it } from "vitest";
import { describeItem, describeZh, formatCents, parseTimestamp, type Subscription, volumeZh } from "../src/index.js";
import { data, GROUP_MATE, itemOf, ME, period, planJson, rate, sms, voice } from "./builders.js";

const AREAS: Readonly<Record<string, string>> = { "0571": "杭州", "010": "北京", "021": "上海" };
const names = { area: (code: string) => AREAS[code] ?? code };
const zh = (records: Parameters<typeof rate>[0], key: string, options: Parameters<typeof rate>[1] = {}) => {
  const item = itemOf(rate(records, options), key);
  return describeZh(item.explanation, item.cents === null ? null : formatCents(item.cents), names);
};

// bill-query.md: 计费说明, the rule in plain Chinese, one case for every kind of explanation.
group("the rule in plain Chinese, from the same facts as the English line", () => {
  it.each([
    [voice(61, { recordId: "X", otherParty: "01066668888" }), "长途 杭州→北京 2分钟 × 0.25元 = 0.50元"],
    [voice(7, { recordId: "X", otherParty: "+85291234567" }), "国际长途 2×6秒 × 0.30元 = 0.60元"],
    [voice(200, { recordId: "X", otherParty: GROUP_MATE }), "集团通话（G1） 4分钟 × 0.05元 = 0.20元"],
    [voice(300, { recordId: "X", direction: "in", visitedArea: "021" }), "漫游被叫（在上海） 5分钟 × 0.25元 = 1.25元"],
    [voice(95, { recordId: "X", otherParty: "10086" }), "拨打特服号码 10086，95秒，免费"],
    [voice(0, { recordId: "X" }), "本地通话，0秒，免费"],
    [voice(45, { recordId: "X", direction: "in" }), "本地被叫，45秒，免费"],
    [voice(30, { recordId: "X", otherParty: "13711112222" }), "无法计费：对方号码无法识别"],
    [sms("+85291234567", { recordId: "X" }), "国际短信 1条 × 1.00元 = 1.00元"],
    [sms("10086", { recordId: "X" }), "发送至特服号码 10086，免费"],
    [sms("13905710002", { recordId: "X", direction: "in" }), "接收短信，免费"],
    [sms("13905710002", { recordId: "X" }), "短信 1条 × 0.10元 = 0.10元"],
    [data(3 * 1024 * 1024, { recordId: "X" }), "上网 3.00MB，3072KB × 0.29元/MB = 0.87元"],
    [data(0, { recordId: "X" }), "上网 0KB，免费"],
  ])("%#: %s", (record, expected) => {
    expect(zh([record], "X")).toBe(expected);
  });

  it("fees, prorated or not", () => {
    expect(zh([], "FEE:P1")).toBe("Test plan（P1，2026-01-01起资费）月租 = 30.00元");
    expect(zh([], "FEE:P1", { periods: [period({ activeFrom: "2026-09-11" })] })).toBe(
      "Test plan（P1，2026-01-01起资费）月租30.00元 × 20/30天（2026-09-11起） = 20.00元",
    );
  });

  it("value-added charges: unconfirmed, first month free", () => {
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
    expect(zh([], "VAS:V5", { vas, subscriptions: [sub(null)] })).toBe(
      "Five（V5）包月5.00元，2026-09-12订购，未二次确认：不应收费 = 0.00元",
    );
    expect(zh([], "VAS:V5", { vas, subscriptions: [sub("2026-09-12T12:05:00+08:00")] })).toBe(
      "Five（V5）包月5.00元，首月免费 = 0.00元",
    );
  });

  it("included allowances and the cap", () => {
    const plans = [planJson({ included: { sms: 1 }, data: { price_per_mb: "1.00", monthly_cap: "1.50" } })];
    expect(zh([sms("13905710002", { recordId: "X" })], "X", { plans })).toBe("套餐内短信（剩余0条） = 0.00元");
    const first = data(1024 * 1024, { recordId: "A", at: "2026-09-05T10:00:00+08:00" });
    const second = data(1024 * 1024, { recordId: "B", at: "2026-09-05T11:00:00+08:00" });
    expect(zh([first, second], "B", { plans })).toBe(
      "上网 1.00MB，1024KB × 1.00元/MB = 1.00元，每月封顶1.50元（本月已收1.00元）→ 0.50元",
    );
  });

  it("volumes as a person writes them", () => {
    expect([512, 2048, 5 * 1024 * 1024 + 512 * 1024].map(volumeZh)).toEqual(["512KB", "2.00MB", "5.50GB"]);
  });

  // Both renderings come from one explanation: every amount the English line states, the Chinese one states too.
  it("states the same amounts as the English line, for every item of a busy month", () => {
    const records = [
      voice(61, { recordId: "A", otherParty: "01066668888" }),
      voice(200, { recordId: "B", otherParty: GROUP_MATE }),
      voice(300, { recordId: "C", direction: "in", visitedArea: "021" }),
      sms("+85291234567", { recordId: "D" }),
      sms("13905710002", { recordId: "E" }),
      data(3 * 1024 * 1024, { recordId: "F" }),
      voice(7, { recordId: "G", otherParty: "+85291234567" }),
    ];
    const month = rate(records);
    const amounts = (text: string, unit: RegExp) => (text.match(unit) ?? []).map((m) => m.replace(/元.*/, "")).sort();
    for (const item of month.items) {
      const cents = item.cents === null ? null : formatCents(item.cents);
      expect(amounts(describeZh(item.explanation, cents), /\d+\.\d{2}元/g), item.itemKey).toEqual(
        amounts(describeItem(item), /\d+\.\d{2}/g),
      );
    }
  });
});
