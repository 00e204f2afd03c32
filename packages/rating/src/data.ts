import type { DataExplanation, ZeroReason } from "./explanation.js";
import { ceilDiv, formatCents, mulDivHalfUp } from "./money.js";
import type { PeriodState } from "./period-state.js";
import type { UsageRecord } from "./records.js";
import type { UsageOutcome } from "./usage-outcome.js";

/** Rates one data session (rating.md, Data charge): KB rounded up, allowance, per-session rounding, monthly cap. */
export function rateData(record: UsageRecord, state: PeriodState): UsageOutcome {
  const version = state.version;
  if (!version || !state.planRef) throw new Error("rateData needs a plan version");
  const bytes = record.bytesUp + record.bytesDown;
  const kb = ceilDiv(bytes, 1024);
  const coveredKb = Math.min(kb, state.dataKbLeft);
  state.dataKbLeft -= coveredKb;
  const chargedKb = kb - coveredKb;
  const pricePerMb = version.data.pricePerMb;
  const uncapped = mulDivHalfUp(chargedKb, pricePerMb.e4, 102_400);

  let cents = uncapped;
  let cap: DataExplanation["cap"] = null;
  let zeroReason: ZeroReason | null = null;
  const capPrice = version.data.monthlyCap;
  if (capPrice !== null) {
    const spentBefore = state.dataSpentCents;
    const leftE4 = Math.max(0, capPrice.e4 - spentBefore * 100);
    const applied = uncapped > 0 && uncapped * 100 > leftE4;
    if (applied) cents = mulDivHalfUp(leftE4, 1, 100);
    cap = { cap: capPrice.text, spentBefore: formatCents(spentBefore), applied };
    if (applied && cents === 0) zeroReason = "cap_reached";
    state.dataSpentCents += cents;
  }
  if (cents === 0 && zeroReason === null) {
    if (kb === 0) zeroReason = "zero_volume";
    else if (chargedKb === 0) zeroReason = "allowance";
    else if (pricePerMb.e4 === 0) zeroReason = "free_rate";
    else zeroReason = "rounded_to_zero";
  }
  const explanation: DataExplanation = {
    kind: "data",
    plan: state.planRef,
    roaming: record.visitedArea !== "" && record.visitedArea !== state.period.homeArea,
    bytes,
    kb,
    allowanceKb: { included: state.included.dataKb, used: coveredKb, left: state.dataKbLeft },
    chargedKb,
    pricePerMb: pricePerMb.text,
    uncapped: formatCents(uncapped),
    cap,
    zeroReason,
  };
  return { status: "ok", cents, explanation };
}
