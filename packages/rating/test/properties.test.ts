import { Decimal } from "decimal.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  centsAt,
  formatCents,
  mulDivHalfUp,
  type PlanPeriod,
  parseCatalogue,
  parseCents,
  parsePrice,
  type RatedItem,
  type RatedMonth,
  rateSubscriberMonth,
  type UsageRecord,
} from "../src/index.js";
import { periodArb, planArb, priceText, recordsArb } from "./arbitraries.js";
import { catalogueJson, groupDirectory, ME } from "./builders.js";

const runs = { numRuns: 300 };

function rateWith(plan: Record<string, unknown>, periods: PlanPeriod[], records: UsageRecord[]): RatedMonth {
  const parsed = parseCatalogue(catalogueJson([plan]));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return rateSubscriberMonth({
    billMonth: "2026-09",
    msisdn: ME,
    periods,
    subscriptions: [],
    records,
    catalogue: parsed.catalogue,
    directory: groupDirectory,
  });
}

const HALF_UP = Decimal.ROUND_HALF_UP;
const yuan = (d: Decimal) => d.toDecimalPlaces(2, HALF_UP).toFixed(2);

/** The item's amount recomputed from its explanation with decimal.js: the reference the integer path must equal. */
function decimalAmount(item: RatedItem): string | null {
  const e = item.explanation;
  switch (e.kind) {
    case "voice": {
      const used = e.allowanceMinutes?.used ?? 0;
      const uncovered = Math.max(0, e.durationS - 60 * used);
      expect(e.units).toBe(Math.ceil(uncovered / e.unitS));
      return yuan(new Decimal(e.units).mul(e.price));
    }
    case "sms":
      return yuan(new Decimal(e.units).mul(e.price));
    case "data": {
      const uncapped = new Decimal(e.chargedKb).mul(e.pricePerMb).div(1024).toDecimalPlaces(2, HALF_UP);
      expect(uncapped.toFixed(2)).toBe(e.uncapped);
      if (!e.cap) return uncapped.toFixed(2);
      const left = Decimal.max(0, new Decimal(e.cap.cap).minus(e.cap.spentBefore));
      return yuan(uncapped.greaterThan(left) ? left : uncapped);
    }
    case "fee":
      return yuan(new Decimal(e.monthlyFee).mul(e.activeDays).div(e.daysInMonth));
    case "vas":
      return e.zeroReason ? "0.00" : yuan(new Decimal(e.monthlyPrice));
    case "duplicate_usage":
      return "0.00";
    case "unratable":
      return null;
  }
}

describe("integer money equals decimal.js", () => {
  it("round_half_up(a × b / d), on both the double and the BigInt path", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
        fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
        fc.integer({ min: 1, max: 1e7 }),
        (a, b, d) => {
          const reference = new Decimal(a).mul(b).div(d).toDecimalPlaces(0, HALF_UP).toFixed(0);
          const result = mulDivHalfUp(a, b, d);
          if (Number.isSafeInteger(Number(reference))) expect(String(result)).toBe(reference);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("every item of generated tariffs and records", () => {
    fc.assert(
      fc.property(planArb, periodArb, recordsArb, (plan, period, records) => {
        for (const item of rateWith(plan, [period], records).items) {
          expect(item.cents === null ? null : formatCents(item.cents)).toBe(decimalAmount(item));
        }
      }),
      runs,
    );
  });

  it("a published price parses to exactly its value in 0.0001 yuan", () => {
    fc.assert(
      fc.property(priceText(1e9), (text) => {
        expect(parsePrice(text)?.e4).toBe(new Decimal(text).mul(10_000).toNumber());
      }),
    );
  });
});

describe("a billed amount", () => {
  // formats.md's rule for amount, as a pattern: the oracle the digit-by-digit reader must agree with.
  const AMOUNT = /^(\d{1,12})(?:\.(\d{1,2}))?$/;
  const texts = fc.oneof(
    fc.string({ unit: fc.constantFrom("0", "1", "9", ".", "-", "+", " ", "e", "٣", "/", ":"), maxLength: 16 }),
    fc
      .tuple(
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.constantFrom("", ".", ".5", ".05", ".50", ".123", "./", ".0/", ".:", ".9:", "/", ":"),
      )
      .map(([whole, fraction]) => `${whole}${fraction}`),
  );

  it("is read into exact cents where the rule accepts it, and refused where it does not", () => {
    fc.assert(
      fc.property(texts, (text) => {
        const expected = AMOUNT.test(text) ? new Decimal(text).mul(100).toNumber() : undefined;
        expect(parseCents(text)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it("is read the same within a longer text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 5 }), texts, fc.string({ maxLength: 5 }), (before, text, after) => {
        const line = `${before}${text}${after}`;
        expect(centsAt(line, before.length, before.length + text.length)).toBe(parseCents(text));
      }),
    );
  });
});

describe("invariants of a rated month", () => {
  it("allowances are never negative and never over-used", () => {
    fc.assert(
      fc.property(planArb, periodArb, recordsArb, (plan, period, records) => {
        const month = rateWith(plan, [period], records);
        let minutes = 0;
        let messages = 0;
        let kb = 0;
        for (const item of month.items) {
          const e = item.explanation;
          const use =
            e.kind === "voice"
              ? e.allowanceMinutes
              : e.kind === "sms"
                ? e.allowanceMessages
                : e.kind === "data"
                  ? e.allowanceKb
                  : null;
          if (!use) continue;
          expect(use.left).toBeGreaterThanOrEqual(0);
          expect(use.used).toBeGreaterThanOrEqual(0);
          if (e.kind === "voice") minutes += use.used;
          if (e.kind === "sms") messages += use.used;
          if (e.kind === "data") kb += use.used;
        }
        for (const a of month.allowances) {
          expect(a.voiceMinutes.used).toBe(minutes);
          expect(a.sms.used).toBe(messages);
          expect(a.dataKb.used).toBe(kb);
          expect(a.voiceMinutes.used).toBeLessThanOrEqual(a.voiceMinutes.included);
          expect(a.sms.used).toBeLessThanOrEqual(a.sms.included);
          expect(a.dataKb.used).toBeLessThanOrEqual(a.dataKb.included);
        }
      }),
      runs,
    );
  });

  it("the month's data charges never exceed the cap", () => {
    fc.assert(
      fc.property(planArb, periodArb, recordsArb, (plan, period, records) => {
        const cap = (plan.data as { monthly_cap?: string }).monthly_cap;
        fc.pre(cap !== undefined);
        const month = rateWith(plan, [period], records);
        const total = month.items.reduce((n, i) => n + (i.explanation.kind === "data" ? (i.cents ?? 0) : 0), 0);
        expect(
          new Decimal(total).div(100).lessThanOrEqualTo(new Decimal(cap as string).toDecimalPlaces(2, HALF_UP)),
        ).toBe(true);
      }),
      runs,
    );
  });

  it("a longer call never costs less, and never makes the month cheaper", () => {
    fc.assert(
      fc.property(
        planArb,
        periodArb,
        recordsArb,
        fc.nat(),
        fc.integer({ min: 1, max: 600 }),
        (plan, period, records, pick, extra) => {
          const calls = records.filter((r) => r.service === "voice");
          fc.pre(calls.length > 0);
          const call = calls[pick % calls.length] as UsageRecord;
          const longer = records.map((r) => (r === call ? { ...r, durationS: r.durationS + extra } : r));
          const before = rateWith(plan, [period], records);
          const after = rateWith(plan, [period], longer);
          const cost = (m: RatedMonth, id: string) => m.items.find((i) => i.itemKey === id)?.cents ?? 0;
          const total = (m: RatedMonth) => m.items.reduce((n, i) => n + (i.cents ?? 0), 0);
          expect(cost(after, call.recordId)).toBeGreaterThanOrEqual(cost(before, call.recordId));
          expect(total(after)).toBeGreaterThanOrEqual(total(before));
        },
      ),
      runs,
    );
  });

  it("shuffling the input changes nothing", () => {
    fc.assert(
      fc.property(
        planArb,
        periodArb,
        recordsArb.chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
        (plan, period, [records, shuffled]) => {
          expect(rateWith(plan, [period], shuffled)).toEqual(rateWith(plan, [period], records));
        },
      ),
      runs,
    );
  });
});
