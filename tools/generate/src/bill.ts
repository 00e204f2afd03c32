import { mulDivHalfUp, parsePrice, type RatedItem, type RatedMonth } from "@billing/rating";
import type { DiscrepancyClass } from "@billing/reconciliation";
import type { Random } from "./random.js";

export interface BossLine {
  readonly itemKey: string;
  readonly cents: number;
}

/** One injected billing error: the discrepancy a correct reconciliation must report for it. */
export interface InjectedError {
  readonly billMonth: string;
  readonly msisdn: string;
  readonly itemKey: string;
  readonly occurrence: number;
  readonly class: DiscrepancyClass;
  readonly billedCents: number | null;
  readonly expectedCents: number | null;
}

/**
 * The BOSS bill of a subscriber-month: the correct charge of every item
 * (a zero charge billed or not, at random, as BOSS may), with errors of every
 * class injected at `rate`, each listed with the discrepancy it must produce.
 */
export function bossBill(
  random: Random,
  month: RatedMonth,
  rate: number,
): { lines: BossLine[]; errors: InjectedError[] } {
  const lines: BossLine[] = [];
  const errors: InjectedError[] = [];
  const inject = (
    item: RatedItem | string,
    cls: DiscrepancyClass,
    billed: number | null,
    expected: number | null,
    occurrence = 1,
  ) =>
    errors.push({
      billMonth: month.billMonth,
      msisdn: month.msisdn,
      itemKey: typeof item === "string" ? item : item.itemKey,
      occurrence,
      class: cls,
      billedCents: billed,
      expectedCents: expected,
    });
  const originals = new Map(month.items.map((i) => [i.itemKey, i]));

  for (const item of month.items) {
    const cents = item.cents;
    if (item.status === "ok" && cents !== null) {
      if (cents > 0 && random.chance(rate)) {
        const roll = random.next();
        if (roll < 0.4) {
          const billed = cents + random.int(1, Math.max(1, Math.ceil(cents / 2)));
          lines.push({ itemKey: item.itemKey, cents: billed });
          inject(item, "overcharge", billed, cents);
        } else if (roll < 0.6) {
          const billed = random.int(0, cents - 1);
          lines.push({ itemKey: item.itemKey, cents: billed });
          inject(item, "undercharge", billed, cents);
        } else if (roll < 0.8) {
          lines.push({ itemKey: item.itemKey, cents }, { itemKey: item.itemKey, cents });
          inject(item, "duplicate_billing", cents, 0, 2);
        } else {
          inject(item, "unbilled", null, cents);
        }
      } else if (
        cents === 0 &&
        item.explanation.kind === "vas" &&
        item.explanation.zeroReason === "free_first_month" &&
        random.chance(rate * 10)
      ) {
        const billed = priceCents(item.explanation.monthlyPrice);
        lines.push({ itemKey: item.itemKey, cents: billed });
        inject(item, "overcharge", billed, 0);
      } else if (cents > 0 || random.chance(0.5)) {
        lines.push({ itemKey: item.itemKey, cents });
      }
    } else if (item.status === "duplicate_usage" && item.explanation.kind === "duplicate_usage") {
      const original = originals.get(item.explanation.duplicateOf)?.cents ?? 0;
      if (original > 0 && random.chance(rate * 10)) {
        lines.push({ itemKey: item.itemKey, cents: original });
        inject(item, "duplicate_usage", original, 0);
      }
    } else if (item.status === "unconfirmed" && item.explanation.kind === "vas") {
      if (random.chance(rate * 10)) {
        const billed = priceCents(item.explanation.monthlyPrice);
        lines.push({ itemKey: item.itemKey, cents: billed });
        inject(item, "unconfirmed_subscription", billed, 0);
      }
    } else if (item.cents === null && random.chance(rate * 10)) {
      const billed = random.int(1, 200);
      lines.push({ itemKey: item.itemKey, cents: billed });
      inject(item, "unverifiable", billed, null);
    }
  }
  if (random.chance(rate)) {
    const key = `PH${month.billMonth.replace("-", "")}${month.msisdn.slice(-6)}`;
    const billed = random.int(1, 500);
    lines.push({ itemKey: key, cents: billed });
    inject(key, "phantom_charge", billed, 0);
  }
  return { lines, errors };
}

function priceCents(text: string): number {
  return mulDivHalfUp(parsePrice(text)?.e4 ?? 0, 1, 100);
}
