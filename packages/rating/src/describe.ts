import type { VoiceCategory } from "./catalogue.js";
import type {
  DataExplanation,
  Explanation,
  FeeExplanation,
  SmsExplanation,
  VasExplanation,
  VoiceExplanation,
} from "./explanation.js";
import type { RatedItem } from "./items.js";
import { formatCents } from "./money.js";
import { dayOf, formatDate, formatTimestamp } from "./time.js";

/**
 * One line in plain words of how an item's charge was computed, e.g.
 * `long distance to 010, 2 min × 0.25 = 0.50 (allowance used up)`.
 * Deterministic: no locale, no clock.
 */
export function describeItem(item: RatedItem): string {
  return describe(item.explanation, item.cents === null ? null : formatCents(item.cents));
}

export function describe(explanation: Explanation, amount: string | null): string {
  switch (explanation.kind) {
    case "voice":
      return describeVoice(explanation, amount ?? "0.00");
    case "sms":
      return describeSms(explanation, amount ?? "0.00");
    case "data":
      return describeData(explanation, amount ?? "0.00");
    case "fee":
      return describeFee(explanation, amount ?? "0.00");
    case "vas":
      return describeVas(explanation, amount ?? "0.00");
    case "duplicate_usage":
      return `second delivery of the same ${explanation.service === "data" ? "session" : explanation.service === "sms" ? "message" : "call"} as ${explanation.duplicateOf}, charged once = 0.00`;
    case "unratable":
      return `cannot be rated: ${explanation.detail}`;
  }
}

/** Plain words for a voice category (bill-query.md: local / long distance / roaming / international / group / special). */
export const CATEGORY_WORDS: Readonly<Record<VoiceCategory, string>> = {
  local_out: "local call",
  ld_out: "long distance",
  intl_out: "international call",
  roam_out: "call while roaming",
  roam_in: "incoming call while roaming",
  local_in: "incoming call",
  vpmn: "group call",
  special: "service number call",
};

function describeVoice(e: VoiceExplanation, amount: string): string {
  let head: string = CATEGORY_WORDS[e.category];
  if (e.category === "ld_out") head = `long distance to ${e.otherArea}`;
  else if (e.category === "roam_out" || e.category === "roam_in") head = `${head} in ${e.visitedArea}`;
  else if (e.category === "vpmn") head = `group call (VPMN ${e.vpmnGroup})`;
  else if (e.category === "special") head = `call to service number ${e.otherParty}`;
  if (e.timeBand === "off_peak") head = `off-peak ${head}`;
  if (e.zeroReason === "zero_duration") return `${head}, 0 s, free`;
  if (e.zeroReason === "special_number" || e.zeroReason === "free_rate") return `${head}, ${e.durationS} s, free`;
  const parts = [head];
  const allowance = e.allowanceMinutes;
  if (allowance && allowance.used > 0) {
    parts.push(`${allowance.used} min from allowance (${allowance.left} left)`);
  }
  const covered = allowance !== null && allowance.used > 0 && e.units === 0;
  if (!covered) parts.push(`${units(e.units, e.unitS)} × ${e.price} = ${amount}`);
  let line = covered ? `${parts.join(", ")} = ${amount}` : parts.join(", ");
  if (allowance && allowance.included > 0 && allowance.used === 0 && e.units > 0) line += " (allowance used up)";
  return line;
}

function units(n: number, unitS: number): string {
  return unitS === 60 ? `${n} min` : `${n} × ${unitS} s`;
}

function describeSms(e: SmsExplanation, amount: string): string {
  switch (e.category) {
    case "incoming":
      return "incoming SMS, free";
    case "special":
      return `SMS to service number ${e.otherParty}, free`;
    case "international":
      return `international SMS, 1 × ${e.price} = ${amount}`;
    case "domestic": {
      const a = e.allowanceMessages;
      if (a && a.used > 0) return `SMS from included messages (${a.left} left) = ${amount}`;
      return `SMS, 1 × ${e.price} = ${amount}${a && a.included > 0 ? " (included messages used up)" : ""}`;
    }
  }
}

function describeData(e: DataExplanation, amount: string): string {
  if (e.zeroReason === "zero_volume") return "data, 0 KB, free";
  const parts = [`data ${e.kb} KB`];
  if (e.allowanceKb.used > 0) parts.push(`${e.allowanceKb.used} KB from allowance (${e.allowanceKb.left} KB left)`);
  if (e.chargedKb > 0) parts.push(`${e.chargedKb} KB × ${e.pricePerMb}/MB = ${e.uncapped}`);
  let line = parts.join(", ");
  if (e.cap?.applied) line += `, capped at ${e.cap.cap} a month (${e.cap.spentBefore} already charged) → ${amount}`;
  else if (e.chargedKb === 0) line += ` = ${amount}`;
  if (e.chargedKb > 0 && e.allowanceKb.included > 0 && e.allowanceKb.left === 0) line += " (allowance used up)";
  return line;
}

function describeFee(e: FeeExplanation, amount: string): string {
  const head = `monthly fee of ${e.plan.planId} (${e.planName}, tariff of ${e.plan.version})`;
  if (e.activeDays === e.daysInMonth) return `${head} = ${amount}`;
  const to = e.activeTo === null ? "" : ` to ${e.activeTo}`;
  return `${head}, ${e.monthlyFee} × ${e.activeDays}/${e.daysInMonth} days active (from ${e.activeFrom}${to}) = ${amount}`;
}

function describeVas(e: VasExplanation, amount: string): string {
  const head = `${e.productId} (${e.productName}) monthly ${e.monthlyPrice}`;
  if (e.zeroReason === "unconfirmed") {
    const when =
      e.confirmedAt === null
        ? "never confirmed"
        : `confirmed ${formatTimestamp(e.confirmedAt)}, more than 24 h after the order`;
    return `${head}, ordered ${formatDate(dayOf(e.orderedAt))}, ${when}: may not be charged = 0.00`;
  }
  if (e.zeroReason === "free_first_month") return `${head}, first month free = ${amount}`;
  return `${head} = ${amount}`;
}
