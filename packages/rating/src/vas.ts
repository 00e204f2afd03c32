import { type Catalogue, vasInForce } from "./catalogue.js";
import type { VasExplanation, ZeroReason } from "./explanation.js";
import type { RatedItem } from "./items.js";
import { mulDivHalfUp } from "./money.js";
import type { Subscription } from "./records.js";
import { billMonthOf, type MonthSpan, startOfDayMs } from "./time.js";

const CONFIRMATION_WINDOW_MS = 24 * 3_600_000;

/**
 * The value-added charges of a month, one item per product (rating.md,
 * Value-added subscriptions). 包月 is charged once a month: when several
 * subscriptions to one product are active in the month (cancelled and ordered
 * again), the item is the one that owes the most, ties to the earliest order.
 */
export function rateVas(
  msisdn: string,
  subscriptions: readonly Subscription[],
  span: MonthSpan,
  catalogue: Catalogue,
): RatedItem[] {
  const startMs = startOfDayMs(span.firstDay);
  const endMs = startOfDayMs(span.endDay);
  const best = new Map<string, RatedItem & { orderedMs: number }>();
  for (const sub of subscriptions) {
    const active = sub.orderedMs < endMs && (sub.cancelledMs === null || sub.cancelledMs >= startMs);
    if (!active) continue;
    const item = { ...rateSubscription(msisdn, sub, span, catalogue), orderedMs: sub.orderedMs };
    const current = best.get(sub.productId);
    if (!current || outranks(item, current)) best.set(sub.productId, item);
  }
  return [...best.keys()].sort().map((productId) => {
    const { orderedMs: _ordered, ...item } = best.get(productId) as RatedItem & { orderedMs: number };
    return item;
  });
}

function outranks(a: RatedItem & { orderedMs: number }, b: RatedItem & { orderedMs: number }): boolean {
  const ac = a.cents ?? -1;
  const bc = b.cents ?? -1;
  if (ac !== bc) return ac > bc;
  if (a.status !== b.status) return a.status === "ok";
  return a.orderedMs < b.orderedMs;
}

function rateSubscription(msisdn: string, sub: Subscription, span: MonthSpan, catalogue: Catalogue): RatedItem {
  const base = { billMonth: span.month, msisdn, itemKey: `VAS:${sub.productId}`, kind: "vas" as const, record: null };
  const version = vasInForce(catalogue, sub.productId, span.month);
  if (!version) {
    return {
      ...base,
      status: "no_tariff",
      cents: null,
      explanation: {
        kind: "unratable",
        reason: "no_tariff",
        detail: `product ${sub.productId} has no version in force for ${span.month}`,
      },
    };
  }
  let zeroReason: ZeroReason | null = null;
  const confirmedInTime = sub.confirmedMs !== null && sub.confirmedMs <= sub.orderedMs + CONFIRMATION_WINDOW_MS;
  if (version.requiresConfirmation && !confirmedInTime) zeroReason = "unconfirmed";
  else if (version.freeFirstMonth && billMonthOf(sub.orderedMs) === span.month) zeroReason = "free_first_month";
  const explanation: VasExplanation = {
    kind: "vas",
    productId: version.productId,
    productName: version.name,
    version: version.effectiveFrom,
    monthlyPrice: version.monthlyPrice.text,
    orderedAt: sub.orderedMs,
    confirmedAt: sub.confirmedMs,
    cancelledAt: sub.cancelledMs,
    zeroReason,
  };
  return {
    ...base,
    status: zeroReason === "unconfirmed" ? "unconfirmed" : "ok",
    cents: zeroReason === null ? mulDivHalfUp(version.monthlyPrice.e4, 1, 100) : 0,
    explanation,
  };
}
