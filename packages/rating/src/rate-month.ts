import type { Catalogue } from "./catalogue.js";
import { rateData } from "./data.js";
import { compareChronologically, findDuplicateEvents } from "./duplicates.js";
import { RatingInputError } from "./errors.js";
import type { Explanation } from "./explanation.js";
import { rateFee } from "./fee.js";
import { type AllowanceBalance, type ItemStatus, type RatedItem, type RatedMonth, ratedItem } from "./items.js";
import { periodStates, stateOnDay } from "./period-state.js";
import type { Directory, PlanPeriod, Subscription, UsageRecord } from "./records.js";
import { rateSms } from "./sms.js";
import { dayOf, formatDate, parseMonth } from "./time.js";
import type { UsageOutcome } from "./usage-outcome.js";
import { rateVas } from "./vas.js";
import { rateVoice } from "./voice.js";

function usageItem(
  billMonth: string,
  record: UsageRecord,
  status: ItemStatus,
  cents: number | null,
  explanation: Explanation,
): RatedItem {
  return ratedItem(billMonth, record.msisdn, record.recordId, "usage", record, status, cents, explanation);
}

export interface SubscriberMonthInput {
  /** `YYYY-MM` */
  readonly billMonth: string;
  readonly msisdn: string;
  /** All plan periods of the subscriber (any order); those active in the month are used. */
  readonly periods: readonly PlanPeriod[];
  /** All subscriptions of the subscriber (any order). */
  readonly subscriptions: readonly Subscription[];
  /** The subscriber's usage records of the month (any order), unique by record_id. */
  readonly records: readonly UsageRecord[];
  readonly catalogue: Catalogue;
  readonly directory: Directory;
}

/**
 * Recomputes every item of one subscriber-month: monthly fees, value-added
 * charges and each usage record, with allowances drawn in chronological order.
 * Pure: the same inputs in any order give the same items in the same order.
 */
export function rateSubscriberMonth(input: SubscriberMonthInput): RatedMonth {
  const span = parseMonth(input.billMonth);
  if (!span) throw new RatingInputError("invalid_month", `not a bill month: ${input.billMonth}`);
  const { msisdn, catalogue } = input;
  const states = periodStates(
    input.periods.filter((p) => p.msisdn === msisdn),
    span,
    catalogue,
  );
  const items: RatedItem[] = states.map((state) => rateFee(state, span));
  items.push(
    ...rateVas(
      msisdn,
      input.subscriptions.filter((s) => s.msisdn === msisdn),
      span,
      catalogue,
    ),
  );

  const records = [...input.records].sort(compareChronologically);
  for (let i = 1; i < records.length; i++) {
    if ((records[i] as UsageRecord).recordId === (records[i - 1] as UsageRecord).recordId) {
      throw new RatingInputError("duplicate_record_id", `record ${(records[i] as UsageRecord).recordId} given twice`);
    }
  }
  const duplicateOf = findDuplicateEvents(records);
  const numberPlan = catalogue.numberPlan;
  for (const record of records) {
    const day = dayOf(record.startMs);
    if (record.msisdn !== msisdn || day < span.firstDay || day >= span.endDay) {
      throw new RatingInputError(
        "record_outside_month",
        `record ${record.recordId} is not of ${msisdn} in ${span.month}`,
      );
    }
    const original = duplicateOf.get(record.recordId);
    if (original !== undefined) {
      items.push(
        usageItem(span.month, record, "duplicate_usage", 0, {
          kind: "duplicate_usage",
          service: record.service,
          duplicateOf: original,
        }),
      );
      continue;
    }
    const state = stateOnDay(states, day);
    if (!state) {
      const detail = `no plan period of ${msisdn} covers ${formatDate(day)}`;
      items.push(usageItem(span.month, record, "no_plan", null, { kind: "unratable", reason: "no_plan", detail }));
      continue;
    }
    if (!state.version) {
      const detail = `plan ${state.period.planId} has no version in force for ${span.month}`;
      items.push(usageItem(span.month, record, "no_tariff", null, { kind: "unratable", reason: "no_tariff", detail }));
      continue;
    }
    let outcome: UsageOutcome;
    if (record.service === "voice") outcome = rateVoice(record, state, day, numberPlan, input.directory);
    else if (record.service === "sms") outcome = rateSms(record, state, numberPlan);
    else outcome = rateData(record, state);
    items.push(
      outcome.status === "ok"
        ? usageItem(span.month, record, "ok", outcome.cents, outcome.explanation)
        : usageItem(span.month, record, "unknown_destination", null, {
            kind: "unratable",
            reason: "unknown_destination",
            detail: outcome.detail,
          }),
    );
  }
  const allowances: AllowanceBalance[] = states.map((s) => ({
    planId: s.period.planId,
    voiceMinutes: { included: s.included.voiceMinutes, used: s.included.voiceMinutes - s.voiceMinutesLeft },
    sms: { included: s.included.sms, used: s.included.sms - s.smsLeft },
    dataKb: { included: s.included.dataKb, used: s.included.dataKb - s.dataKbLeft },
  }));
  return { billMonth: span.month, msisdn, items, allowances };
}
