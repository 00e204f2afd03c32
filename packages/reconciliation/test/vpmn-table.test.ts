import { type PlanPeriod, parseDate } from "@billing/rating";
import { directoryOfTable, VpmnTableBuilder, vpmnTable } from "@billing/reconciliation";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const dates = ["2026-01-01", "2026-03-15", "2026-06-01", "2026-09-11", "2026-12-31"];

const period = (msisdn: string, from: string, to: string | null, group: string | null): PlanPeriod => ({
  msisdn,
  accountId: "A1",
  planId: "P1",
  activeFrom: from,
  activeTo: to,
  homeArea: "571",
  vpmnGroup: group,
  payment: "postpaid",
});

/** Periods of up to 30 msisdns, each up to 3, some in one of 4 groups. */
const periodsArb = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 29 }),
      fc.constantFrom(...dates),
      fc.option(fc.constantFrom(...dates)),
      fc.option(fc.constantFrom("G1", "G2", "G3", "G4")),
    ),
    { maxLength: 60 },
  )
  .map((rows) => {
    const byMsisdn = new Map<string, PlanPeriod[]>();
    for (const [n, from, to, group] of rows) {
      const msisdn = String(13_500_100_000 + n * 13);
      byMsisdn.set(msisdn, [...(byMsisdn.get(msisdn) ?? []), period(msisdn, from, to, group)]);
    }
    return byMsisdn;
  });

/** What the directory must answer: the group of the msisdn's first period naming one that spans the day. */
function expected(periods: ReadonlyMap<string, readonly PlanPeriod[]>, msisdn: string, day: number): string | null {
  const spans = (periods.get(msisdn) ?? []).filter((p) => p.vpmnGroup !== null);
  const at = spans.find(
    (p) =>
      day >= (parseDate(p.activeFrom) as number) && (p.activeTo === null || day < (parseDate(p.activeTo) as number)),
  );
  return at?.vpmnGroup ?? null;
}

const days = dates.map((d) => parseDate(d) as number).flatMap((d) => [d - 1, d, d + 1]);

describe("the VPMN table", () => {
  it("answers as every member's periods do, for every msisdn and day", () => {
    fc.assert(
      fc.property(periodsArb, (periods) => {
        const directory = directoryOfTable(vpmnTable(periods));
        for (let n = -1; n <= 30; n++) {
          const msisdn = String(13_500_100_000 + n * 13);
          for (const day of days) expect(directory.vpmnGroupAt(msisdn, day)).toBe(expected(periods, msisdn, day));
        }
      }),
    );
  });

  it("built a batch at a time in msisdn order, is the same table; out of order, it is refused", () => {
    fc.assert(
      fc.property(periodsArb, fc.integer({ min: 0, max: 30 }), (periods, cut) => {
        const sorted = [...periods].sort(([a], [b]) => (a < b ? -1 : 1));
        const builder = new VpmnTableBuilder().add(new Map(sorted.slice(0, cut)));
        expect(builder.add(new Map(sorted.slice(cut))).build()).toEqual(vpmnTable(periods));
      }),
    );
    const builder = new VpmnTableBuilder().add(
      new Map([["13500100013", [period("13500100013", dates[0] as string, null, "G1")]]]),
    );
    expect(() =>
      builder.add(new Map([["13500100000", [period("13500100000", dates[0] as string, null, "G1")]]])),
    ).toThrow(RangeError);
  });

  it("is shared, not copied, when cloned for another thread", () => {
    const table = vpmnTable(new Map([["13500100013", [period("13500100013", dates[0] as string, null, "G1")]]]));
    const clone = structuredClone(table);
    expect(clone.msisdns.buffer).toBeInstanceOf(SharedArrayBuffer);
    (table.from as Float64Array)[0] = 0;
    expect(clone.from[0]).toBe(0);
  });
});
