import {
  compareKeys,
  describeItem,
  formatCents,
  type RatedItem,
  type RatedMonth,
  UNRATABLE_STATUSES,
} from "@billing/rating";

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
 * item, never netting one against another (reconcile.md). `quarantined` holds
 * the record ids of the month's malformed rows: a line billing one of them is
 * unverifiable, not a phantom.
 */
export function diffSubscriberMonth(
  month: RatedMonth,
  lines: readonly BilledLine[],
  quarantined: ReadonlyMap<string, string> = new Map(),
): MonthDiff {
  const items = new Map<string, RatedItem>();
  const keys: string[] = [];
  for (const item of month.items) {
    if (!items.has(item.itemKey)) keys.push(item.itemKey);
    items.set(item.itemKey, item);
  }
  const linesByKey = new Map<string, BilledLine[]>();
  for (const line of lines) {
    const list = linesByKey.get(line.itemKey);
    if (list) list.push(line);
    else {
      linesByKey.set(line.itemKey, [line]);
      if (!items.has(line.itemKey)) keys.push(line.itemKey);
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

  for (const key of keys) {
    const item = items.get(key);
    const billed = linesByKey.get(key) ?? NO_LINES;
    if (billed.length > 1) billed.sort((a, b) => a.occurrence - b.occurrence);
    const first = billed[0];
    if (!first) {
      if (item?.cents) emit(key, 1, "unbilled", null, item.cents, `${describeItem(item)}; no bill line`);
      continue;
    }
    const amount = first.cents;
    if (!item) {
      const reason = quarantined.get(key);
      if (reason !== undefined)
        emit(key, first.occurrence, "unverifiable", amount, null, `record quarantined: ${reason}`);
      else if (amount > 0) emit(key, first.occurrence, "phantom_charge", amount, 0, phantomExplanation(key));
      else matched += 1;
    } else if (UNRATABLE_STATUSES.has(item.status)) {
      emit(key, first.occurrence, "unverifiable", amount, null, describeItem(item));
    } else if (item.status === "duplicate_usage" && amount > 0) {
      emit(key, first.occurrence, "duplicate_usage", amount, 0, `${describeItem(item)}; billed ${formatCents(amount)}`);
    } else if (item.status === "unconfirmed" && amount > 0) {
      emit(key, first.occurrence, "unconfirmed_subscription", amount, 0, describeItem(item));
    } else {
      compare(item, first, emit, () => {
        matched += 1;
      });
    }
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
  }
  // Sorting the few discrepancies, not the many keys: stable, so one key's stay in emitted order.
  return { discrepancies: out.sort((a, b) => compareKeys(a.itemKey, b.itemKey)), matched };
}

const NO_LINES: BilledLine[] = [];

function compare(
  item: RatedItem,
  line: BilledLine,
  emit: (k: string, o: number, c: DiscrepancyClass, b: number, e: number, x: string) => void,
  onMatch: () => void,
) {
  const expected = item.cents ?? 0;
  if (line.cents === expected) return onMatch();
  const cls = line.cents > expected ? "overcharge" : "undercharge";
  emit(
    item.itemKey,
    line.occurrence,
    cls,
    line.cents,
    expected,
    `${describeItem(item)}; billed ${formatCents(line.cents)}`,
  );
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
