import type { FeeExplanation } from "./explanation.js";
import { type RatedItem, ratedItem } from "./items.js";
import { mulDivHalfUp } from "./money.js";
import type { PeriodState } from "./period-state.js";
import type { MonthSpan } from "./time.js";

/** The monthly fee of a plan period active in the month, prorated by active days (rating.md, Monthly fee). */
export function rateFee(state: PeriodState, span: MonthSpan): RatedItem {
  const { period, version, planRef } = state;
  const itemKey = `FEE:${period.planId}`;
  if (!version || !planRef) {
    return ratedItem(span.month, period.msisdn, itemKey, "fee", null, "no_tariff", null, {
      kind: "unratable",
      reason: "no_tariff",
      detail: `plan ${period.planId} has no version in force for ${span.month}`,
    });
  }
  const explanation: FeeExplanation = {
    kind: "fee",
    plan: planRef,
    planName: version.name,
    planNameZh: version.nameZh,
    monthlyFee: version.monthlyFee.text,
    activeFrom: period.activeFrom,
    activeTo: period.activeTo,
    activeDays: state.activeDays,
    daysInMonth: span.days,
    included: {
      voiceMinutes: state.included.voiceMinutes,
      sms: state.included.sms,
      dataMb: state.included.dataKb / 1024,
    },
  };
  const cents = mulDivHalfUp(version.monthlyFee.e4, state.activeDays, span.days * 100);
  return ratedItem(span.month, period.msisdn, itemKey, "fee", null, "ok", cents, explanation);
}
