import { type PlanPeriod, parseCatalogueText } from "@billing/rating";
import { quarantineEvidence, reconcileSubscriberMonth } from "@billing/reconciliation";
import { describe, expect, it } from "vitest";

const parsed = parseCatalogueText(
  JSON.stringify({
    number_plan: {
      country_code: "86",
      international_prefix: "00",
      areas: { "0571": "Hangzhou" },
      mobile_prefixes: { "1380571": "0571" },
      special_numbers: [],
    },
    plans: [
      {
        plan_id: "P",
        name: "P",
        effective_from: "2026-01-01",
        monthly_fee: "10.00",
        included: { voice_minutes: 2, voice_categories: ["local_out"], sms: 0, data_mb: 0 },
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
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const catalogue = parsed.catalogue;

const MS = "13805710001";
const period = (msisdn: string, vpmnGroup: string | null): PlanPeriod => ({
  msisdn,
  accountId: "A",
  planId: "P",
  activeFrom: "2024-01-01",
  activeTo: null,
  homeArea: "0571",
  vpmnGroup,
  payment: "prepaid",
});
const call = (recordId: string, at: string, otherParty = "88012345") => ({
  recordId,
  msisdn: MS,
  service: "voice" as const,
  direction: "out" as const,
  otherParty,
  startMs: Date.parse(at),
  durationS: 120,
  bytesUp: 0,
  bytesDown: 0,
  visitedArea: "0571",
});

/** Two 2-minute local calls: the first takes the 2 included minutes, the second pays 0.40; both billed 0.40. */
function classes(usageRows: [string | null, string][], periodRows: Map<string | null, string>, group: string | null) {
  const { diff } = reconcileSubscriberMonth({
    billMonth: "2026-09",
    msisdn: MS,
    periods: [period(MS, group)],
    subscriptions: [],
    records: [call("A", "2026-09-01T10:00:00+08:00", "13805710002"), call("B", "2026-09-02T10:00:00+08:00")],
    catalogue,
    directory: { vpmnGroupAt: () => null },
    billLines: [
      { itemKey: "FEE:P", occurrence: 1, cents: 1000 },
      { itemKey: "A", occurrence: 1, cents: 40 },
      { itemKey: "B", occurrence: 1, cents: 40 },
    ],
    quarantined: quarantineEvidence({ byRecordId: [], unreadable: null, usageRows, periodRows }),
    ledger: [],
  });
  return diff.discrepancies.map((d) => `${d.itemKey} ${d.class}`);
}

// Decision 19: an overcharge is refunded on evidence only; what a missing record would have drawn is unknown.
describe("items whose charge the run cannot be sure of", () => {
  it.each([
    ["nothing quarantined: the call inside the allowance is overcharged", [], new Map(), null, ["A overcharge"]],
    [
      "a record of the month quarantined: the allowance may have been drawn before",
      [["X", "service is not voice"]],
      new Map(),
      null,
      ["A unverifiable"],
    ],
    ["the quarantined record was delivered again since: no doubt", [["B", "old"]], new Map(), null, ["A overcharge"]],
    [
      "the other party's plan period quarantined, the caller in a VPMN group",
      [],
      new Map([["13805710002", "payment is not prepaid or postpaid"]]),
      "G",
      ["A unverifiable"],
    ],
    [
      "the other party's plan period quarantined, the caller in no group",
      [],
      new Map([["13805710002", "payment is not prepaid or postpaid"]]),
      null,
      ["A overcharge"],
    ],
  ] as const)("%s", (_case, usage, periods, group, expected) => {
    expect(
      classes(
        usage.map((u) => [...u]),
        periods,
        group,
      ),
    ).toEqual(expected);
  });
});
