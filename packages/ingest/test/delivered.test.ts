import type { StoredRecord } from "@billing/formats";
import type { SpilledLines } from "@billing/ingest";
import { deliveredBill, deliveredRecords, MsisdnRanges, mergeRecords } from "@billing/ingest";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Times of the tests' records, counted from a moment of 2026 (formats.md accepts 2000-2099). */
const BASE_MS = Date.UTC(2026, 8, 1);
const sms = (id: string, startMs: number, file = "cdr-a.csv", line = 2, run = "r1"): StoredRecord => [
  id,
  "sms",
  "out",
  "13900000000",
  BASE_MS + startMs,
  0,
  0,
  0,
  "010",
  file,
  line,
  run,
];

const CDR_AT = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const iso = (ms: number) => new Date(BASE_MS + ms).toISOString().replace(".000Z", "Z");

/** Lines as a range's text holds them, each ending in a line feed. */
function linesOf(lines: readonly string[]): SpilledLines {
  const starts: number[] = [];
  let text = "";
  for (const line of lines) {
    starts.push(text.length);
    text += `${line}\n`;
  }
  return { text, starts, latin1: false };
}

/** An sms CDR row as spillUsage spills it: as read when it holds no quote, else as JSON [record, fields]. */
const spilled = (id: string, startMs: number, fileSeq: number, line: number, service = "sms") => {
  const fields = [id, "13800000000", service, "out", "13900000000", iso(startMs), "", "", "", "010"];
  const raw = fields.map((f) => (f.includes('"') ? `"${f.replaceAll('"', '""')}"` : f)).join(",");
  const row = raw.includes('"') ? `J${JSON.stringify([raw, fields])}` : `R${raw}`;
  return { text: `13800000000\t${fileSeq}\t${line}\t${row}`, raw };
};

describe("a subscriber-month's delivery", () => {
  it("checks every row, keeps the first of a repeated record_id, quarantines the rest, and sorts by start then id", () => {
    const rows = [
      spilled("B", 2000, 0, 2),
      spilled("A", 2000, 0, 3),
      spilled("B", 1000, 1, 2),
      spilled('C"', 500, 1, 3),
      spilled("D", 700, 1, 4, "fax"),
    ];
    const { kept, repeated, malformed } = deliveredRecords(linesOf(rows.map((r) => r.text)), {
      files: ["cdr-1.csv", "cdr-2.csv"],
      columns: [CDR_AT, CDR_AT],
      runId: "run-7",
      billMonth: "2026-09",
    });
    expect(kept.map((c) => c.record)).toEqual([
      sms('C"', 500, "cdr-2.csv", 3, "run-7"),
      sms("A", 2000, "cdr-1.csv", 3, "run-7"),
      sms("B", 2000, "cdr-1.csv", 2, "run-7"),
    ]);
    expect(repeated).toEqual([{ file: "cdr-2.csv", line: 2, recordId: "B", raw: rows[2]?.raw }]);
    expect(malformed).toEqual([
      {
        file: "cdr-2.csv",
        line: 4,
        reason: 'service "fax" is not voice, sms or data',
        raw: rows[4]?.raw,
        recordId: "D",
        msisdn: "13800000000",
        billMonth: "2026-09",
        recordUnreadable: false,
        referenceItem: null,
      },
    ]);
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
    // bill.csv columns as msisdn,amount,item_key,bill_month: found by name, not place.
    const line = (fileSeq: number, at: number, itemKey: string, amount: string) =>
      `13800000000\t${fileSeq}\t${at}\tR13800000000,${amount},${itemKey},2026-09`;
    const from = {
      files: ["b1.csv", "b2.csv"],
      columns: [
        [3, 0, 2, 1],
        [3, 0, 2, 1],
      ],
      runId: "r",
      billMonth: "2026-09",
    };
    const bill = deliveredBill(
      linesOf([
        line(0, 2, "V1", "0.19"),
        line(0, 3, "FEE:P1", "58.00"),
        line(1, 2, "V1", "0.38"),
        line(1, 3, "V2", "-1"),
      ]),
      from,
    );
    expect(bill.lines).toEqual([
      ["V1", 1, 19, "b1.csv", 2],
      ["FEE:P1", 1, 5800, "b1.csv", 3],
      ["V1", 2, 38, "b2.csv", 2],
    ]);
    expect(bill.malformed.map((m) => [m.file, m.line, m.reason])).toEqual([
      ["b2.csv", 3, 'amount "-1" is not yuan ≥ 0 with at most two decimals'],
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
          const ranges = MsisdnRanges.evenly(sorted, count);
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
