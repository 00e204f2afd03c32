import { parseCatalogueText, type RatedMonth, rateSubscriberMonth } from "@billing/rating";
import { type BilledLine, diffSubscriberMonth, quarantineEvidence } from "@billing/reconciliation";
import { describe, expect, it } from "vitest";

const catalogue = (() => {
  const result = parseCatalogueText(
    JSON.stringify({
      number_plan: {
        country_code: "86",
        international_prefix: "00",
        areas: { "0571": "Hangzhou" },
        mobile_prefixes: {},
        special_numbers: [],
      },
      plans: [
        {
          plan_id: "P",
          name: "P",
          effective_from: "2026-01-01",
          monthly_fee: "10.00",
          voice: Object.fromEntries(
            ["intl_out", "special", "vpmn", "roam_out", "local_out", "ld_out", "roam_in", "local_in"].map((c) => [
              c,
              { price: "0.20", unit_s: 60 },
            ]),
          ),
          sms: { domestic: "0.10", international: "1.00" },
          data: { price_per_mb: "0.29" },
        },
      ],
    }),
  );
  if (!result.ok) throw new Error("catalogue");
  return result.catalogue;
})();

const MS = "13805710001";
function month(records: { id: string; at: string; seconds: number; party?: string }[]): RatedMonth {
  return rateSubscriberMonth({
    billMonth: "2026-09",
    msisdn: MS,
    periods: [
      {
        msisdn: MS,
        accountId: "A",
        planId: "P",
        activeFrom: "2024-01-01",
        activeTo: null,
        homeArea: "0571",
        vpmnGroup: null,
        payment: "prepaid",
      },
    ],
    subscriptions: [],
    records: records.map((r) => ({
      recordId: r.id,
      msisdn: MS,
      service: "voice",
      direction: "out",
      otherParty: r.party ?? "88012345",
      startMs: Date.parse(r.at),
      durationS: r.seconds,
      bytesUp: 0,
      bytesDown: 0,
      visitedArea: "0571",
    })),
    catalogue,
    directory: { vpmnGroupAt: () => null },
  });
}

const line = (itemKey: string, cents: number, occurrence = 1): BilledLine => ({ itemKey, occurrence, cents });
const classes = (
  m: RatedMonth,
  lines: BilledLine[],
  quarantined = new Map<string, string>(),
  unreadable: string | null = null,
) =>
  diffSubscriberMonth(m, lines, quarantineEvidence({ byRecordId: [quarantined], unreadable })).discrepancies.map(
    (d) => `${d.itemKey}#${d.occurrence} ${d.class} ${d.billedCents}/${d.expectedCents} refund ${d.refundCents}`,
  );

describe("diff classes (reconcile.md)", () => {
  const m = month([
    { id: "A", at: "2026-09-01T10:00:00+08:00", seconds: 60 }, // 0.20
    { id: "B", at: "2026-09-01T11:00:00+08:00", seconds: 120 }, // 0.40
    { id: "C", at: "2026-09-01T12:00:00+08:00", seconds: 60, party: "13711112222" }, // unknown destination
    { id: "D", at: "2026-09-01T13:00:00+08:00", seconds: 60 }, // twin of E
    { id: "E", at: "2026-09-01T13:00:00+08:00", seconds: 60 },
  ]);

  it("matches to the cent are counted, not listed", () => {
    const diff = diffSubscriberMonth(m, [line("FEE:P", 1000), line("A", 20), line("B", 40), line("D", 20)]);
    expect(diff.discrepancies).toEqual([]);
    expect(diff.matched).toBe(4);
  });

  it("never nets an overcharge against an undercharge", () => {
    expect(classes(m, [line("FEE:P", 1000), line("A", 30), line("B", 30), line("D", 20)])).toEqual([
      "A#1 overcharge 30/20 refund 20",
      "B#1 undercharge 30/40 refund 0",
    ]);
  });

  it("classifies every kind of line", () => {
    expect(
      classes(m, [
        line("FEE:P", 1000),
        line("A", 20),
        line("A", 20, 2),
        line("C", 25),
        line("D", 20),
        line("E", 20),
        line("Z", 88),
        line("VAS:X", 500),
      ]),
    ).toEqual([
      "A#2 duplicate_billing 20/0 refund 40",
      "B#1 unbilled null/40 refund 0",
      "C#1 unverifiable 25/null refund 0",
      "E#1 duplicate_usage 20/0 refund 40",
      "VAS:X#1 phantom_charge 500/0 refund 1000",
      "Z#1 phantom_charge 88/0 refund 176",
    ]);
  });

  it("labels each discrepancy with the kind of charge, for reports", () => {
    const diff = diffSubscriberMonth(m, [line("FEE:P", 900), line("A", 30), line("Z", 10), line("VAS:X", 500)]);
    expect(diff.discrepancies.map((x) => `${x.itemKey} ${x.service}`)).toEqual([
      "A voice",
      "B voice",
      "D voice",
      "FEE:P monthly fee",
      "VAS:X value-added",
      "Z no record",
    ]);
  });

  it("a bill line for a quarantined record is unverifiable, not phantom; zero lines charge nothing", () => {
    expect(
      classes(
        m,
        [line("FEE:P", 1000), line("A", 20), line("B", 40), line("D", 20), line("Q", 50), line("Z", 0)],
        new Map([["Q", "bad start_time"]]),
      ),
    ).toEqual(["Q#1 unverifiable 50/null refund 0"]);
  });

  // reconcile.md: refunds are owed on evidence, never on a broken feed.
  it.each([
    [
      "no quarantined row: a line with nothing behind it is a phantom",
      new Map(),
      null,
      "Q#1 phantom_charge 50/0 refund 100",
    ],
    [
      "a row whose record_id as read is the line's item_key",
      new Map([["Q", "msisdn: not 11 digits"]]),
      null,
      "Q#1 unverifiable 50/null refund 0",
    ],
    [
      "a row of the msisdn and month whose record_id could not be read",
      new Map(),
      "record_id: empty",
      "Q#1 unverifiable 50/null refund 0",
    ],
  ] as const)("the unverifiable rule: %s", (_case, byId, unreadable, expected) => {
    expect(
      classes(
        m,
        [line("FEE:P", 1000), line("A", 20), line("B", 40), line("D", 20), line("Q", 50)],
        new Map(byId),
        unreadable,
      ),
    ).toEqual([expected]);
  });

  it("an unreadable record_id makes usage lines unverifiable, never a fee or a value-added line", () => {
    expect(
      classes(
        m,
        [line("FEE:P", 1000), line("FEE:X", 1000), line("VAS:N", 300), line("A", 20), line("B", 40), line("D", 20)],
        new Map(),
        "record_id: empty",
      ),
    ).toEqual(["FEE:X#1 phantom_charge 1000/0 refund 2000", "VAS:N#1 phantom_charge 300/0 refund 600"].sort());
  });
});

// Decision 19: a quarantined plan period or subscription row may be the one behind a FEE: or VAS: line.
describe("reference rows the run could not read", () => {
  const m = month([{ id: "A", at: "2026-09-01T10:00:00+08:00", seconds: 60 }]);
  const lines = [line("FEE:P", 1000), line("FEE:X", 1000), line("VAS:N", 300), line("A", 20)];
  const reference = (rows: { item: string; named: boolean }[]) =>
    diffSubscriberMonth(
      m,
      lines,
      quarantineEvidence({ byRecordId: [], unreadable: null, reference: rows.map((r) => ({ ...r, reason: "why" })) }),
    ).discrepancies.map((d) => `${d.itemKey} ${d.class}`);
  it.each([
    ["none", [], ["FEE:X phantom_charge", "VAS:N phantom_charge"]],
    ["a plan period naming FEE:X", [{ item: "FEE:X", named: true }], ["FEE:X unverifiable", "VAS:N phantom_charge"]],
    [
      "a plan period whose plan_id could not be read",
      [{ item: "FEE:", named: true }],
      ["FEE:X unverifiable", "VAS:N phantom_charge"],
    ],
    [
      "a subscription of another product",
      [{ item: "VAS:M", named: true }],
      ["FEE:X phantom_charge", "VAS:N phantom_charge"],
    ],
    [
      "a subscription row of anyone's (msisdn unreadable)",
      [{ item: "VAS:N", named: false }],
      ["FEE:X phantom_charge", "VAS:N unverifiable"],
    ],
  ] as const)("%s", (_case, rows, expected) => {
    expect(reference([...rows])).toEqual(expected);
  });
});
