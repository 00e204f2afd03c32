import type { NumberPlan } from "./catalogue.js";
import type { SmsExplanation, ZeroReason } from "./explanation.js";
import { mulDivHalfUp, type Price } from "./money.js";
import { analyseNumber } from "./number-analysis.js";
import type { PeriodState } from "./period-state.js";
import type { UsageRecord } from "./records.js";
import type { UsageOutcome } from "./usage-outcome.js";

/**
 * Rates one message (rating.md, SMS charge). Only international and special
 * matter for a message, so a number the plan cannot place is domestic, not an
 * unknown destination.
 */
export function rateSms(record: UsageRecord, state: PeriodState, numberPlan: NumberPlan): UsageOutcome {
  const version = state.version;
  if (!version || !state.planRef) throw new Error("rateSms needs a plan version");
  let category: SmsExplanation["category"] = "incoming";
  let price: Price | null = null;
  let allowance: SmsExplanation["allowanceMessages"] = null;
  if (record.direction === "out") {
    const kind = analyseNumber(record.otherParty, numberPlan).kind;
    if (kind === "international") {
      category = "international";
      price = version.sms.international;
    } else if (kind === "special") {
      category = "special";
    } else {
      category = "domestic";
      const covered = state.smsLeft > 0 ? 1 : 0;
      state.smsLeft -= covered;
      allowance = { included: state.included.sms, used: covered, left: state.smsLeft };
      if (covered === 0) price = version.sms.domestic;
    }
  }
  const cents = price ? mulDivHalfUp(price.e4, 1, 100) : 0;
  let zeroReason: ZeroReason | null = null;
  if (cents === 0) {
    if (category === "incoming") zeroReason = "incoming";
    else if (category === "special") zeroReason = "special_number";
    else if (!price) zeroReason = "allowance";
    else zeroReason = price.e4 === 0 ? "free_rate" : "rounded_to_zero";
  }
  const explanation: SmsExplanation = {
    kind: "sms",
    plan: state.planRef,
    direction: record.direction ?? "out",
    category,
    otherParty: record.otherParty,
    price: price?.text ?? (category === "domestic" ? version.sms.domestic.text : "0.00"),
    units: price ? 1 : 0,
    allowanceMessages: allowance,
    zeroReason,
  };
  return { status: "ok", cents, explanation };
}
