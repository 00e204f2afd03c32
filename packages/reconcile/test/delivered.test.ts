import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deliveredBill, deliveredRecords, mergeRecords } from "../src/delivered.js";
import { MsisdnRanges } from "../src/spill.js";
import type { StoredRecord } from "../src/stored-usage.js";

const sms = (id: string, startMs: number, file = "cdr-a.csv", line = 2, run = "r1"): StoredRecord => [
  id,
  "sms",
  "out",
  "13900000000",
  startMs,
  0,
  0,
  0,
  "010",
  file,
  line,
  run,
];

/** A CDR line as spillUsage writes it. */
const spilled = (id: string, startMs: number, fileSeq: number, line: number, raw = `${id},…`) =>
  `13800000000\t${fileSeq}\t${line}\t${JSON.stringify(sms(id, startMs).slice(0, 9))}\t${JSON.stringify(raw)}`;

describe("a subscriber-month's delivery", () => {
  it("keeps the first row of a repeated record_id, quarantines the rest, and sorts by start then id", () => {
    const { kept, repeated } = deliveredRecords(
      [spilled("B", 2000, 0, 2), spilled("A", 2000, 0, 3), spilled("B", 1000, 1, 2, 'B,"x"'), spilled("C", 500, 1, 3)],
      ["cdr-1.csv", "cdr-2.csv"],
      "run-7",
    );
    expect(kept.map((c) => c.record)).toEqual([
      sms("C", 500, "cdr-2.csv", 3, "run-7"),
      sms("A", 2000, "cdr-1.csv", 3, "run-7"),
      sms("B", 2000, "cdr-1.csv", 2, "run-7"),
    ]);
    for (const c of kept) expect(JSON.parse(c.text)).toEqual(c.record);
    expect(repeated).toEqual([{ file: "cdr-2.csv", line: 2, recordId: "B", raw: 'B,"x"' }]);
  });

  it("replaces a stored record delivered again and keeps the others, in stored order", () => {
    const stored = [sms("A", 1000), sms("B", 2000), sms("C", 3000)];
    const merged = mergeRecords(stored, [sms("B", 500, "cdr-b.csv", 9, "r2"), sms("D", 2500, "cdr-b.csv", 10, "r2")]);
    expect(merged).toEqual([
      sms("B", 500, "cdr-b.csv", 9, "r2"),
      sms("A", 1000),
      sms("D", 2500, "cdr-b.csv", 10, "r2"),
      sms("C", 3000),
    ]);
  });

  it("numbers repeated bill lines of one item_key in file and line order", () => {
    const line = (fileSeq: number, at: number, itemKey: string, cents: number) =>
      `13800000000\t${fileSeq}\t${at}\t${JSON.stringify([itemKey, cents])}`;
    expect(
      deliveredBill([line(0, 2, "V1", 19), line(0, 3, "FEE:P1", 5800), line(1, 2, "V1", 38)], ["b1.csv", "b2.csv"]),
    ).toEqual([
      ["FEE:P1", 1, 5800, "b1.csv", 3],
      ["V1", 1, 19, "b1.csv", 2],
      ["V1", 2, 38, "b2.csv", 2],
    ]);
  });
});

describe("msisdn ranges", () => {
  it("put every msisdn in one range, in msisdn order, with the subscribers spread evenly", () => {
    const msisdn = fc.integer({ min: 0, max: 99_999_999 }).map((n) => `138${String(n).padStart(8, "0")}`);
    fc.assert(
      fc.property(
        fc.uniqueArray(msisdn, { minLength: 0, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(msisdn),
        (subscribers, count, others) => {
          const sorted = [...subscribers].sort();
          const ranges = new MsisdnRanges(sorted, count);
          expect(ranges.count).toBe(Math.max(1, Math.min(count, sorted.length)));
          const all = [...sorted, ...others].sort();
          const of = all.map((m) => ranges.rangeOf(m));
          for (let i = 0; i < of.length; i++) {
            expect(of[i]).toBeGreaterThanOrEqual(i > 0 ? (of[i - 1] as number) : 0);
            expect(of[i]).toBeLessThan(ranges.count);
          }
          const sizes = new Array(ranges.count).fill(0);
          for (const m of sorted) sizes[ranges.rangeOf(m)] += 1;
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
