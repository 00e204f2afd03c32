import type { Catalogue, VoiceCategory } from "./catalogue.js";
import type {
  DataExplanation,
  Explanation,
  FeeExplanation,
  SmsExplanation,
  VasExplanation,
  VoiceExplanation,
} from "./explanation.js";
import { dayOf, formatDate, formatTimestamp } from "./time.js";

/** Names the Chinese rendering puts in place of codes; a code stands for itself when none is known. */
export interface ZhNames {
  /** The city of an area code, e.g. `0571` → 杭州. */
  area(code: string): string;
}

const CODES: ZhNames = { area: (code) => code };

/** The names a catalogue publishes: its area codes' cities (formats.md), a code standing for itself otherwise. */
export function namesOf(catalogue: Catalogue): ZhNames {
  return { area: (code) => catalogue.numberPlan.areas.get(code) ?? code };
}

/**
 * The rule behind a charge in plain Chinese, from the same typed facts as the
 * English line (describe), e.g. `长途 杭州→北京 2分钟 × 0.25元 = 0.50元（套餐内分钟已用完）`.
 * Deterministic: no locale, no clock.
 */
export function describeZh(explanation: Explanation, amount: string | null, names: ZhNames = CODES): string {
  const yuan = amount ?? "0.00";
  switch (explanation.kind) {
    case "voice":
      return voice(explanation, yuan, names);
    case "sms":
      return sms(explanation, yuan);
    case "data":
      return data(explanation, yuan);
    case "fee":
      return fee(explanation, yuan);
    case "vas":
      return vas(explanation, yuan);
    case "duplicate_usage":
      return `同一${explanation.service === "data" ? "上网会话" : explanation.service === "sms" ? "短信" : "通话"}的重复话单（与 ${explanation.duplicateOf} 相同），只收一次 = 0.00元`;
    case "unratable":
      return `无法计费：${UNRATABLE_WORDS[explanation.reason]}`;
  }
}

/** 通信类型 of a voice category (bill-query.md: 本地 / 长途 / 漫游 / 国际 / 集团 / 特服). */
export const CATEGORY_WORDS_ZH: Readonly<Record<VoiceCategory, string>> = {
  local_out: "本地通话",
  ld_out: "长途",
  intl_out: "国际长途",
  roam_out: "漫游主叫",
  roam_in: "漫游被叫",
  local_in: "本地被叫",
  vpmn: "集团通话",
  special: "特服号码",
};

const UNRATABLE_WORDS = {
  unknown_destination: "对方号码无法识别",
  no_plan: "该时段没有有效的套餐",
  no_tariff: "资费表中没有此项资费",
} as const;

function voice(e: VoiceExplanation, amount: string, names: ZhNames): string {
  let head = CATEGORY_WORDS_ZH[e.category];
  if (e.category === "ld_out") head = `长途 ${names.area(e.visitedArea)}→${names.area(e.otherArea ?? "")}`;
  else if (e.category === "roam_out" || e.category === "roam_in") head = `${head}（在${names.area(e.visitedArea)}）`;
  else if (e.category === "vpmn") head = `集团通话（${e.vpmnGroup}）`;
  else if (e.category === "special") head = `拨打特服号码 ${e.otherParty}`;
  if (e.timeBand === "off_peak") head = `闲时${head}`;
  if (e.zeroReason === "zero_duration") return `${head}，0秒，免费`;
  if (e.zeroReason === "special_number" || e.zeroReason === "free_rate") return `${head}，${e.durationS}秒，免费`;
  const parts: string[] = [];
  const allowance = e.allowanceMinutes;
  if (allowance && allowance.used > 0) parts.push(`套餐内${allowance.used}分钟（剩余${allowance.left}分钟）`);
  const covered = allowance !== null && allowance.used > 0 && e.units === 0;
  if (!covered) parts.push(`${units(e.units, e.unitS)} × ${e.price}元 = ${amount}元`);
  let line = `${head} ${parts.join("，")}${covered ? ` = ${amount}元` : ""}`;
  if (allowance && allowance.included > 0 && allowance.used === 0 && e.units > 0) line += "（套餐内分钟已用完）";
  return line;
}

function units(n: number, unitS: number): string {
  return unitS === 60 ? `${n}分钟` : `${n}×${unitS}秒`;
}

function sms(e: SmsExplanation, amount: string): string {
  switch (e.category) {
    case "incoming":
      return "接收短信，免费";
    case "special":
      return `发送至特服号码 ${e.otherParty}，免费`;
    case "international":
      return `国际短信 1条 × ${e.price}元 = ${amount}元`;
    case "domestic": {
      const a = e.allowanceMessages;
      if (a && a.used > 0) return `套餐内短信（剩余${a.left}条） = ${amount}元`;
      return `短信 1条 × ${e.price}元 = ${amount}元${a && a.included > 0 ? "（套餐内短信已用完）" : ""}`;
    }
  }
}

/** A volume as a person writes it: KB under a megabyte, else MB or GB with two decimals. */
export function volumeZh(kb: number): string {
  if (kb < 1024) return `${kb}KB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(2)}MB`;
  return `${(kb / (1024 * 1024)).toFixed(2)}GB`;
}

function data(e: DataExplanation, amount: string): string {
  if (e.zeroReason === "zero_volume") return "上网 0KB，免费";
  const parts = [`上网 ${volumeZh(e.kb)}`];
  if (e.allowanceKb.used > 0)
    parts.push(`套餐内${volumeZh(e.allowanceKb.used)}（剩余${volumeZh(e.allowanceKb.left)}）`);
  // The charged volume stays in KB: the rule is KB × price per MB, to be recomputed by hand.
  if (e.chargedKb > 0) parts.push(`${e.chargedKb}KB × ${e.pricePerMb}元/MB = ${e.uncapped}元`);
  let line = parts.join("，");
  if (e.cap?.applied) line += `，每月封顶${e.cap.cap}元（本月已收${e.cap.spentBefore}元）→ ${amount}元`;
  else if (e.chargedKb === 0) line += ` = ${amount}元`;
  if (e.chargedKb > 0 && e.allowanceKb.included > 0 && e.allowanceKb.left === 0) line += "（套餐内流量已用完）";
  return line;
}

function fee(e: FeeExplanation, amount: string): string {
  const head = `${e.planNameZh ?? e.planName}（${e.plan.planId}，${e.plan.version}起资费）月租`;
  if (e.activeDays === e.daysInMonth) return `${head} = ${amount}元`;
  const to = e.activeTo === null ? "" : `至${e.activeTo}`;
  return `${head}${e.monthlyFee}元 × ${e.activeDays}/${e.daysInMonth}天（${e.activeFrom}起${to}） = ${amount}元`;
}

function vas(e: VasExplanation, amount: string): string {
  const by = e.provider === null ? "" : `，${e.provider}代收`;
  const head = `${e.productNameZh ?? e.productName}（${e.productId}${by}）包月${e.monthlyPrice}元`;
  if (e.zeroReason === "unconfirmed") {
    const when = e.confirmedAt === null ? "未二次确认" : `${formatTimestamp(e.confirmedAt)}确认，已超过订购后24小时`;
    return `${head}，${formatDate(dayOf(e.orderedAt))}订购，${when}：不应收费 = 0.00元`;
  }
  if (e.zeroReason === "free_first_month") return `${head}，首月免费 = ${amount}元`;
  return `${head} = ${amount}元`;
}
