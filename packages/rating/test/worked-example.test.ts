import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { billMonthOf, describeItem, formatCents, rateSubscriberMonth, type UsageRecord } from "../src/index.js";
import { directoryOf, loadCatalogue, readRows, TEST_DATA, toPeriod, toRecord, toSubscription } from "./fixture.js";

const dir = `${TEST_DATA}basic/`;

function rateExample() {
  const catalogue = loadCatalogue(`${dir}tariffs.json`);
  const periods = readRows(`${dir}subscribers.csv`).map(toPeriod);
  const subscriptions = readRows(`${dir}subscriptions.csv`).map(toSubscription);
  // The second V13 (a repeated record_id) is quarantined by ingest before rating.
  const seen = new Set<string>();
  const records: UsageRecord[] = [];
  for (const row of readRows(`${dir}cdr-20260930.csv`)) {
    if (seen.has(row.record_id as string)) continue;
    seen.add(row.record_id as string);
    records.push(toRecord(row));
  }
  const directory = directoryOf(periods);
  const msisdns = [...new Set(periods.map((p) => p.msisdn))];
  return msisdns.map((msisdn) =>
    rateSubscriberMonth({
      billMonth: "2026-09",
      msisdn,
      periods,
      subscriptions,
      records: records.filter((r) => r.msisdn === msisdn && billMonthOf(r.startMs) === "2026-09"),
      catalogue,
      directory,
    }),
  );
}

describe("worked example (spec/examples/basic)", () => {
  it("reproduces expected/items.csv exactly", () => {
    const lines = rateExample()
      .flatMap((m) => m.items)
      .map((i) => [i.billMonth, i.msisdn, i.itemKey, i.cents === null ? "" : formatCents(i.cents), i.status].join(","))
      .sort();
    const expected = readFileSync(`${TEST_DATA}basic-expected/items.csv`, "utf8").trim().split("\r\n");
    expect(["bill_month,msisdn,item_key,expected,status", ...lines]).toEqual(expected);
  });

  it("explains every item in one line of plain words", () => {
    const byKey = new Map(
      rateExample()
        .flatMap((m) => m.items)
        .map((i) => [`${i.msisdn}/${i.itemKey}`, describeItem(i)]),
    );
    expect(byKey.get("13805710001/V02")).toBe("long distance to 010, 2 min × 0.25 = 0.50 (allowance used up)");
    expect(byKey.get("13805710001/V01")).toBe("local call, 3 min from allowance (0 left) = 0.00");
    expect(byKey.get("13805710001/V04")).toBe("off-peak local call, 1 min × 0.10 = 0.10 (allowance used up)");
    expect(byKey.get("13500100003/V11")).toBe("long distance to 0571, 11 × 6 s × 0.0333 = 0.37");
    expect(byKey.get("13805710001/D04")).toBe(
      "data 1024 KB, 1024 KB × 0.29/MB = 0.29, capped at 1.00 a month (0.87 already charged) → 0.13 (allowance used up)",
    );
    for (const line of byKey.values()) expect(line).toMatch(/\S/);
  });
});
