import {
  compareKeys,
  describeItem,
  formatCents,
  type RatedItem,
  type RatedMonth,
  UNRATABLE_STATUSES,
} from "@billing/rating";
import { NO_QUARANTINE, type QuarantineEvidence } from "./quarantine-evidence.js";

export const DISCREPANCY_CLASSES = [
  "overcharge",
  "undercharge",
  "phantom_charge",
  "duplicate_billing",
  "duplicate_usage",
  "unconfirmed_subscription",
  "unbilled",
  "unverifiable",
] as const;
export type DiscrepancyClass = (typeof DISCREPANCY_CLASSES)[number];

/** The classes that owe the customer a double refund. */
export const REFUNDING_CLASSES: ReadonlySet<DiscrepancyClass> = new Set([
  "overcharge",
  "phantom_charge",
  "duplicate_billing",
  "duplicate_usage",
  "unconfirmed_subscription",
]);

/** A BOSS bill line as stored: `occurrence` numbers repeated lines of one item key (1 for the first). */
export interface BilledLine {
  readonly itemKey: string;
  readonly occurrence: number;
  readonly cents: number;
}

/** What kind of charge a discrepancy is about, for reports. */
export type ChargeService = "voice" | "sms" | "data" | "monthly fee" | "value-added" | "no record";

export interface Discrepancy {
  readonly service: ChargeService;
  readonly billMonth: string;
  readonly msisdn: string;
  readonly itemKey: string;
  readonly occurrence: number;
  readonly class: DiscrepancyClass;
  readonly billedCents: number | null;
  readonly expectedCents: number | null;
  readonly differenceCents: number | null;
  readonly refundCents: number;
  readonly explanation: string;
}

export interface MonthDiff {
  readonly discrepancies: readonly Discrepancy[];
  /** Items whose bill line matches the correct charge to the cent. */
  readonly matched: number;
}

/**
 * Diffs one subscriber-month's correct items against its bill lines, item by
 * item, never netting one against another (reconcile.md). A line with no
 * item whose record may be one the run could not read (`quarantined`) is
 * unverifiable, not a phantom.
 */
export function diffSubscriberMonth(
  month: RatedMonth,
  lines: readonly BilledLine[],
  quarantined: QuarantineEvidence = NO_QUARANTINE,
  /**
   * Why the run cannot be sure of an item's correct charge, if it cannot
   * (uncertainItems): such an item is never refunded as an overcharge. Asked
   * only of an item billed above it.
   */
  uncertain: (itemKey: string) => string | undefined = () => undefined,
): MonthDiff {
  // Map order is first insertion, and a key set again keeps its place: the items' keys in order, each its last item.
  const items = new Map<string, RatedItem>();
  for (const item of month.items) items.set(item.itemKey, item);
  const linesByKey = new Map<string, BilledLine[]>();
  /** Keys billed with no item, in bill order. */
  const billedOnly: string[] = [];
  for (const line of lines) {
    const list = linesByKey.get(line.itemKey);
    if (list) list.push(line);
    else {
      linesByKey.set(line.itemKey, [line]);
      if (!items.has(line.itemKey)) billedOnly.push(line.itemKey);
    }
  }
  const out: Discrepancy[] = [];
  let matched = 0;
  const emit = (
    itemKey: string,
    occurrence: number,
    cls: DiscrepancyClass,
    billed: number | null,
    expected: number | null,
    explanation: string,
  ) => {
    const difference = expected === null ? null : (billed ?? 0) - expected;
    const refund = REFUNDING_CLASSES.has(cls) ? 2 * (cls === "overcharge" ? (difference ?? 0) : (billed ?? 0)) : 0;
    out.push({
      service: serviceOf(itemKey, items.get(itemKey)),
      billMonth: month.billMonth,
      msisdn: month.msisdn,
      itemKey,
      occurrence,
      class: cls,
      billedCents: billed,
      expectedCents: expected,
      differenceCents: difference,
      refundCents: refund,
      explanation,
    });
  };

  const repeats = (key: string, billed: readonly BilledLine[]) => {
    for (let r = 1; r < billed.length; r++) {
      const repeat = billed[r] as BilledLine;
      if (repeat.cents === 0) continue;
      emit(
        key,
        repeat.occurrence,
        "duplicate_billing",
        repeat.cents,
        0,
        `${key} billed again (line ${repeat.occurrence} of ${billed.length} for this item in ${month.billMonth})`,
      );
    }
  };
  for (const [key, item] of items) {
    const billed = linesByKey.get(key);
    if (billed === undefined) {
      if (item.cents) emit(key, 1, "unbilled", null, item.cents, `${describeItem(item)}; no bill line`);
      continue;
    }
    if (billed.length > 1) billed.sort(byOccurrence);
    const { cents: amount, occurrence } = billed[0] as BilledLine;
    const expected = item.cents ?? 0;
    if (UNRATABLE_STATUSES.has(item.status)) {
      emit(key, occurrence, "unverifiable", amount, null, describeItem(item));
    } else if (item.status === "duplicate_usage" && amount > 0) {
      emit(key, occurrence, "duplicate_usage", amount, 0, `${describeItem(item)}; billed ${formatCents(amount)}`);
    } else if (item.status === "unconfirmed" && amount > 0) {
      // The confirmation may be on a subscription row of the subscriber's that the run could not read.
      const reason = quarantined.referenceReason(key, true);
      if (reason !== undefined) emit(key, occurrence, "unverifiable", amount, null, referenceExplanation(key, reason));
      else emit(key, occurrence, "unconfirmed_subscription", amount, 0, describeItem(item));
    } else if (amount === expected) {
      matched += 1;
    } else {
      const why = amount > expected ? uncertain(key) : undefined;
      if (why !== undefined) emit(key, occurrence, "unverifiable", amount, null, `${describeItem(item)}; ${why}`);
      else {
        const cls = amount > expected ? "overcharge" : "undercharge";
        emit(key, occurrence, cls, amount, expected, `${describeItem(item)}; billed ${formatCents(amount)}`);
      }
    }
    repeats(key, billed);
  }
  for (const key of billedOnly) {
    const billed = linesByKey.get(key) as BilledLine[];
    if (billed.length > 1) billed.sort(byOccurrence);
    const first = billed[0] as BilledLine;
    const usage = !key.startsWith("FEE:") && !key.startsWith("VAS:");
    const reason = quarantined.recordReason(key) ?? (usage ? (quarantined.unreadable ?? undefined) : undefined);
    const reference = usage ? undefined : quarantined.referenceReason(key, false);
    if (reason !== undefined)
      emit(key, first.occurrence, "unverifiable", first.cents, null, `record quarantined: ${reason}`);
    else if (reference !== undefined)
      emit(key, first.occurrence, "unverifiable", first.cents, null, referenceExplanation(key, reference));
    else if (first.cents > 0) emit(key, first.occurrence, "phantom_charge", first.cents, 0, phantomExplanation(key));
    else matched += 1;
    repeats(key, billed);
  }
  // Sorting the few discrepancies, not the many keys: stable, so one key's stay in emitted order.
  return { discrepancies: out.sort((a, b) => compareKeys(a.itemKey, b.itemKey)), matched };
}

const byOccurrence = (a: BilledLine, b: BilledLine) => a.occurrence - b.occurrence;

function referenceExplanation(key: string, reason: string): string {
  return `${key.startsWith("FEE:") ? "plan period" : "subscription"} quarantined: ${reason}`;
}

function phantomExplanation(key: string): string {
  if (key.startsWith("FEE:")) return `no plan period of ${key.slice(4)} active in the month`;
  if (key.startsWith("VAS:")) return `no active subscription to ${key.slice(4)} in the month`;
  return `no usage record ${key} exists`;
}

function serviceOf(itemKey: string, item: RatedItem | undefined): ChargeService {
  if (itemKey.startsWith("FEE:")) return "monthly fee";
  if (itemKey.startsWith("VAS:")) return "value-added";
  return item?.record?.service ?? "no record";
}
