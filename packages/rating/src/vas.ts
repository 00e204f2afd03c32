import { type Catalogue, vasInForce } from "./catalogue.js";
import type { VasExplanation, ZeroReason } from "./explanation.js";
import { type RatedItem, ratedItem } from "./items.js";
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
  const best = new Map<string, Ranked>();
  for (const sub of subscriptions) {
    const active = sub.orderedMs < endMs && (sub.cancelledMs === null || sub.cancelledMs >= startMs);
    if (!active) continue;
    const ranked = { item: rateSubscription(msisdn, sub, span, catalogue), orderedMs: sub.orderedMs };
    const current = best.get(sub.productId);
    if (!current || outranks(ranked, current)) best.set(sub.productId, ranked);
  }
  return [...best.keys()].sort().map((productId) => (best.get(productId) as Ranked).item);
}

/** A subscription's item, with when it was ordered to rank it against another of the same product. */
interface Ranked {
  readonly item: RatedItem;
  readonly orderedMs: number;
}

function outranks(a: Ranked, b: Ranked): boolean {
  const ac = a.item.cents ?? -1;
  const bc = b.item.cents ?? -1;
  if (ac !== bc) return ac > bc;
  if (a.item.status !== b.item.status) return a.item.status === "ok";
  return a.orderedMs < b.orderedMs;
}

function rateSubscription(msisdn: string, sub: Subscription, span: MonthSpan, catalogue: Catalogue): RatedItem {
  const itemKey = `VAS:${sub.productId}`;
  const version = vasInForce(catalogue, sub.productId, span.month);
  if (!version) {
    return ratedItem(span.month, msisdn, itemKey, "vas", null, "no_tariff", null, {
      kind: "unratable",
      reason: "no_tariff",
      detail: `product ${sub.productId} has no version in force for ${span.month}`,
    });
  }
  let zeroReason: ZeroReason | null = null;
  const confirmedInTime = sub.confirmedMs !== null && sub.confirmedMs <= sub.orderedMs + CONFIRMATION_WINDOW_MS;
  if (version.requiresConfirmation && !confirmedInTime) zeroReason = "unconfirmed";
  else if (version.freeFirstMonth && billMonthOf(sub.orderedMs) === span.month) zeroReason = "free_first_month";
  const explanation: VasExplanation = {
    kind: "vas",
    productId: version.productId,
    productName: version.name,
    productNameZh: version.nameZh,
    provider: version.provider,
    version: version.effectiveFrom,
    monthlyPrice: version.monthlyPrice.text,
    orderedAt: sub.orderedMs,
    confirmedAt: sub.confirmedMs,
    cancelledAt: sub.cancelledMs,
    zeroReason,
  };
  const status = zeroReason === "unconfirmed" ? "unconfirmed" : "ok";
  const cents = zeroReason === null ? mulDivHalfUp(version.monthlyPrice.e4, 1, 100) : 0;
  return ratedItem(span.month, msisdn, itemKey, "vas", null, status, cents, explanation);
}
