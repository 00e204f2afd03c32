import { type Catalogue, type PlanVersion, planInForce } from "./catalogue.js";
import type { PlanRef } from "./explanation.js";
import type { PlanPeriod } from "./records.js";
import { type MonthSpan, parseDate } from "./time.js";

/** A plan period within one bill month, with its allowance pools as the month uses them. */
export interface PeriodState {
  readonly period: PlanPeriod;
  readonly fromDay: number;
  /** Exclusive; Infinity while still active. */
  readonly toDay: number;
  /** The plan version in force for the month; undefined when none is (`no_tariff`). */
  readonly version: PlanVersion | undefined;
  readonly planRef: PlanRef | undefined;
  readonly activeDays: number;
  readonly included: { readonly voiceMinutes: number; readonly sms: number; readonly dataKb: number };
  voiceMinutesLeft: number;
  smsLeft: number;
  dataKbLeft: number;
  /** The month's data charges so far, in cents, for the cap. */
  dataSpentCents: number;
}

/** The plan periods of a subscriber that are active on at least one day of the month. */
export function periodStates(periods: readonly PlanPeriod[], span: MonthSpan, catalogue: Catalogue): PeriodState[] {
  const states: PeriodState[] = [];
  for (const period of periods) {
    const fromDay = parseDate(period.activeFrom) as number;
    const toDay = period.activeTo === null ? Number.POSITIVE_INFINITY : (parseDate(period.activeTo) as number);
    const activeDays = Math.min(toDay, span.endDay) - Math.max(fromDay, span.firstDay);
    if (activeDays <= 0) continue;
    const version = planInForce(catalogue, period.planId, span.month);
    const prorate = (n: number) => Math.floor((n * activeDays) / span.days);
    const included = version
      ? {
          voiceMinutes: prorate(version.included.voiceMinutes),
          sms: prorate(version.included.sms),
          dataKb: prorate(version.included.dataMb) * 1024,
        }
      : { voiceMinutes: 0, sms: 0, dataKb: 0 };
    states.push({
      period,
      fromDay,
      toDay,
      version,
      planRef: version ? { planId: version.planId, version: version.effectiveFrom } : undefined,
      activeDays,
      included,
      voiceMinutesLeft: included.voiceMinutes,
      smsLeft: included.sms,
      dataKbLeft: included.dataKb,
      dataSpentCents: 0,
    });
  }
  return states.sort((a, b) => a.fromDay - b.fromDay);
}

export function stateOnDay(states: readonly PeriodState[], day: number): PeriodState | undefined {
  for (const state of states) if (day >= state.fromDay && day < state.toDay) return state;
  return undefined;
}
