import type { NumberPlan, Rate, VoiceCategory } from "./catalogue.js";
import type { VoiceExplanation, ZeroReason } from "./explanation.js";
import { ceilDiv, mulDivHalfUp } from "./money.js";
import { analyseNumber } from "./number-analysis.js";
import type { PeriodState } from "./period-state.js";
import type { Directory, UsageRecord } from "./records.js";
import { secondOfDay } from "./time.js";
import type { UsageOutcome } from "./usage-outcome.js";

/** Rates one voice call (rating.md, Voice categories and Voice charge), drawing on the period's minutes. */
export function rateVoice(
  record: UsageRecord,
  state: PeriodState,
  day: number,
  numberPlan: NumberPlan,
  directory: Directory,
): UsageOutcome {
  const version = state.version;
  if (!version || !state.planRef) throw new Error("rateVoice needs a plan version");
  const period = state.period;
  const roaming = record.visitedArea !== period.homeArea;
  let category: VoiceCategory;
  let otherArea: string | null = null;
  if (record.direction === "in") {
    category = roaming ? "roam_in" : "local_in";
  } else {
    const number = analyseNumber(record.otherParty, numberPlan);
    if (number.kind === "unknown") return { status: "unknown_destination", detail: number.reason };
    if (number.kind === "mobile" || number.kind === "fixed") otherArea = number.area;
    else if (number.kind === "local") otherArea = record.visitedArea;
    if (number.kind === "international") category = "intl_out";
    else if (number.kind === "special") category = "special";
    else if (
      period.vpmnGroup !== null &&
      number.kind === "mobile" &&
      directory.vpmnGroupAt(number.number, day) === period.vpmnGroup
    ) {
      category = "vpmn";
    } else if (roaming) category = "roam_out";
    else if (otherArea === record.visitedArea) category = "local_out";
    else category = "ld_out";
  }

  const offPeak = version.offPeak;
  const inOffPeak = offPeak !== null && inWindow(secondOfDay(record.startMs), offPeak.fromS, offPeak.toS);
  const rate: Rate = (inOffPeak ? offPeak?.voice[category] : undefined) ?? version.voice[category];

  const duration = record.durationS;
  const eligible = version.included.voiceCategories.has(category);
  let coveredMinutes = 0;
  if (eligible && duration > 0) {
    coveredMinutes = Math.min(ceilDiv(duration, 60), state.voiceMinutesLeft);
    state.voiceMinutesLeft -= coveredMinutes;
  }
  const uncovered = Math.max(0, duration - 60 * coveredMinutes);
  const units = ceilDiv(uncovered, rate.unitS);
  const cents = mulDivHalfUp(units, rate.price.e4, 100);

  let zeroReason: ZeroReason | null = null;
  if (cents === 0) {
    if (duration === 0) zeroReason = "zero_duration";
    else if (units === 0) zeroReason = "allowance";
    else if (category === "special" && rate.price.e4 === 0) zeroReason = "special_number";
    else if (rate.price.e4 === 0) zeroReason = "free_rate";
    else zeroReason = "rounded_to_zero";
  }
  const explanation: VoiceExplanation = {
    kind: "voice",
    plan: state.planRef,
    direction: record.direction ?? "out",
    category,
    otherParty: record.otherParty,
    otherArea,
    visitedArea: record.visitedArea,
    homeArea: period.homeArea,
    vpmnGroup: category === "vpmn" ? period.vpmnGroup : null,
    timeBand: inOffPeak ? "off_peak" : "peak",
    durationS: duration,
    unitS: rate.unitS,
    price: rate.price.text,
    units,
    allowanceMinutes: eligible
      ? { included: state.included.voiceMinutes, used: coveredMinutes, left: state.voiceMinutesLeft }
      : null,
    zeroReason,
  };
  return { status: "ok", cents, explanation };
}

/** Is a second of the day inside [from, to), a window that may wrap midnight? */
export function inWindow(second: number, fromS: number, toS: number): boolean {
  return fromS < toS ? second >= fromS && second < toS : second >= fromS || second < toS;
}
