import { formatDate, type MonthSpan, type PlanPeriod, parseTimestamp, type Subscription } from "@billing/rating";
import { MOBILE_PREFIXES, PREFIX_BLOCKS, prefixInBlock } from "./catalogue.js";
import type { Random } from "./random.js";

export interface GeneratedSubscriber {
  readonly msisdn: string;
  readonly homeArea: string;
  readonly periods: readonly PlanPeriod[];
  readonly subscriptions: readonly Subscription[];
}

const PREFIXES = Object.keys(MOBILE_PREFIXES);
/**
 * Generated numbers end in 1000-9999: the committed sample's end in 00xx, so
 * a generated run in the same data folder never adds to a sample bill.
 */
const FIRST_NUMBER = 1_000;
/** Each prefix gives 9,000 numbers. */
const PER_BLOCK = PREFIXES.length * (10_000 - FIRST_NUMBER);
export const MAX_SUBSCRIBERS = PREFIX_BLOCKS * PER_BLOCK;

/** The blocks of numbers (PREFIX_BLOCKS) a population of `count` takes. */
export const blocksFor = (count: number) => Math.max(1, Math.ceil(count / PER_BLOCK));
const PLANS = ["GT58", "GT58", "GT58", "GT58", "GT58", "EZ18", "EZ18", "EZ18", "DATA38", "DATA38"] as const;
const PRODUCTS = ["RING5", "NEWS3", "GAME10", "CLOUD2"] as const;

/**
 * Subscribers with realistic histories over the generated months: most
 * active throughout, some activated or terminated mid-month, some changing
 * plan at a month's start; VPMN groups, prepaid and postpaid; value-added
 * orders confirmed in time, late, never, and cancelled.
 */
export function* generatePopulation(
  random: Random,
  count: number,
  months: readonly MonthSpan[],
): Generator<GeneratedSubscriber> {
  if (count > MAX_SUBSCRIBERS) throw new RangeError(`at most ${MAX_SUBSCRIBERS} subscribers can be generated`);
  const first = months[0] as MonthSpan;
  const last = months[months.length - 1] as MonthSpan;
  for (let i = 0; i < count; i++) {
    const inBlock = i % PER_BLOCK;
    const prefix = PREFIXES[inBlock % PREFIXES.length] as string;
    const number = String(FIRST_NUMBER + Math.floor(inBlock / PREFIXES.length));
    const msisdn = `${prefixInBlock(prefix, Math.floor(i / PER_BLOCK))}${number}`;
    const homeArea = MOBILE_PREFIXES[prefix] as string;
    const base = {
      msisdn,
      accountId: `ACC${String(i + 1).padStart(7, "0")}`,
      homeArea,
      vpmnGroup: random.chance(0.2) ? `G${homeArea}-${random.int(1, 3)}` : null,
      payment: random.chance(0.4) ? ("prepaid" as const) : ("postpaid" as const),
    };
    const plan = random.pick(PLANS);
    const kind = random.next();
    let periods: PlanPeriod[];
    if (kind < 0.05) {
      const day = first.firstDay + random.int(1, first.days - 1);
      periods = [{ ...base, planId: plan, activeFrom: formatDate(day), activeTo: null }];
    } else if (kind < 0.1) {
      const day = last.firstDay + random.int(1, last.days - 1);
      periods = [{ ...base, planId: plan, activeFrom: "2024-01-01", activeTo: formatDate(day) }];
    } else if (kind < 0.15) {
      const change = formatDate((months[Math.min(1, months.length - 1)] as MonthSpan).firstDay);
      const next = plan === "GT58" ? "DATA38" : "GT58";
      periods = [
        { ...base, planId: plan, activeFrom: "2024-01-01", activeTo: change },
        { ...base, planId: next, activeFrom: change, activeTo: null },
      ];
    } else {
      periods = [{ ...base, planId: plan, activeFrom: "2024-01-01", activeTo: null }];
    }
    yield { msisdn, homeArea, periods, subscriptions: generateSubscriptions(random, msisdn, first, last) };
  }
}

/**
 * A generated subscriber as compact text (subscriberOf reads it back): its
 * periods share all but their plan and dates, its subscriptions their msisdn.
 */
export function subscriberText(s: GeneratedSubscriber): string {
  const p = s.periods[0] as PlanPeriod;
  return JSON.stringify([
    s.msisdn,
    s.homeArea,
    p.accountId,
    p.vpmnGroup,
    p.payment,
    s.periods.map((q) => [q.planId, q.activeFrom, q.activeTo]),
    s.subscriptions.map((x) => [x.productId, x.orderedMs, x.confirmedMs, x.cancelledMs]),
  ]);
}

export function subscriberOf(text: string): GeneratedSubscriber {
  const [msisdn, homeArea, accountId, vpmnGroup, payment, periods, subscriptions] = JSON.parse(text);
  return {
    msisdn,
    homeArea,
    periods: periods.map(([planId, activeFrom, activeTo]: [string, string, string | null]) => ({
      msisdn,
      accountId,
      homeArea,
      vpmnGroup,
      payment,
      planId,
      activeFrom,
      activeTo,
    })),
    subscriptions: subscriptions.map(
      ([productId, orderedMs, confirmedMs, cancelledMs]: [string, number, number | null, number | null]) => ({
        msisdn,
        productId,
        orderedMs,
        confirmedMs,
        cancelledMs,
      }),
    ),
  };
}

function generateSubscriptions(random: Random, msisdn: string, first: MonthSpan, last: MonthSpan): Subscription[] {
  if (!random.chance(0.35)) return [];
  const start = parseTimestamp(`${formatDate(first.firstDay - 90)}T00:00:00+08:00`) as number;
  const end = parseTimestamp(`${formatDate(last.endDay)}T00:00:00+08:00`) as number;
  const products = random.chance(0.3)
    ? [...PRODUCTS].sort(() => random.next() - 0.5).slice(0, 2)
    : [random.pick(PRODUCTS)];
  return products.map((productId) => {
    const orderedMs = start + Math.floor((random.next() * (end - start - 86_400_000)) / 1000) * 1000;
    const confirm = random.next();
    const confirmedMs =
      confirm < 0.8
        ? orderedMs + random.int(10, 600) * 1000
        : confirm < 0.85
          ? orderedMs + random.int(25, 72) * 3_600_000
          : null;
    const cancelledMs = random.chance(0.1) ? orderedMs + random.int(1, 60) * 86_400_000 : null;
    return { msisdn, productId, orderedMs, confirmedMs, cancelledMs };
  });
}
