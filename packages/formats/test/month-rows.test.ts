import {
  MonthRowsWriter,
  parseStoredBill,
  parseStoredRecords,
  type StoredBillLine,
  type StoredRecord,
  storedBillText,
  storedRecordsText,
} from "@billing/formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Rows of text fields as binary COPY tuples (RawSession.copyBinary): a field count, then each field's UTF-8 length and bytes. */
function tuples(rows: readonly (readonly string[])[]): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const bytes = Buffer.from(field, "utf8");
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes.length);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

/** Strings of what JSON and COPY escape, and of what UTF-8 encodes in more than a byte. */
const text = fc.string({
  unit: fc.constantFrom(
    "a",
    "7",
    '"',
    "\\",
    "\t",
    "\n",
    "\r",
    "\u0001",
    "\u007f",
    "\u00e9",
    "\u4e2d",
    "\ud800",
    "\udc00",
    "😀",
  ),
});
const scalar = fc.oneof(
  text,
  fc.constant(null),
  fc.integer({ min: -2_000_000_000_000, max: 4_102_444_800_000 }),
  fc.constantFrom(0, -1, 9, 10, 99, 100, 999_999, 1_000_000, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 0.5, -0.25),
);

/** Bill lines of any text, and any number where their occurrence and cents go, as element must write them. */
const anyBillLines = fc.array(
  fc
    .tuple(text, scalar, scalar, fc.constantFrom("bill-1.csv", 'a "b".csv', "账单.csv"), fc.nat())
    .map((line) => line as unknown as StoredBillLine),
  { maxLength: 6 },
);

describe("subscriber-month rows written as bytes", () => {
  it("are binary COPY tuples of the JSON text of their bill lines", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text, anyBillLines), { maxLength: 4 }), (rows) => {
        const writer = new MonthRowsWriter();
        for (const [month, msisdn, lines] of rows) writer.addBill(month, msisdn, lines);
        const expected = tuples(rows.map(([month, msisdn, lines]) => [month, msisdn, storedBillText(lines)]));
        const written = writer.rows();
        expect(Buffer.from(written.rows)).toEqual(expected);
        expect(written.msisdns).toEqual(rows.map(([, msisdn]) => msisdn));
      }),
      { numRuns: 500 },
    );
  });

  it("grow past their first buffer", () => {
    const writer = new MonthRowsWriter();
    const records = Array.from({ length: 3000 }, (_, i) => storedRecord(`C${i}`, i, "cdr-1.csv", "run-1"));
    writer.addRecords("2026-09", "13800000000", records);
    expect(Buffer.from(writer.rows().rows)).toEqual(tuples([["2026-09", "13800000000", storedRecordsText(records)]]));
  });
});

function storedRecord(recordId: string, i: number, sourceFile: string, runId: string): StoredRecord {
  return [recordId, "voice", "out", "13900000000", 1_788_201_693_000 + i, 61, 0, 0, "010", sourceFile, i + 2, runId];
}

const storedRecords = fc.array(
  fc
    .tuple(
      text,
      fc.nat(1_000_000),
      fc.constantFrom("cdr-1.csv", "cdr-2.csv", 'a "b".csv'),
      fc.constantFrom("run-1", "run-2"),
    )
    .map(([id, i, file, run]) => storedRecord(id, i, file, run)),
  { maxLength: 8 },
);

const storedBillLines = fc.array(
  fc
    .tuple(text, fc.integer({ min: 1, max: 3 }), fc.integer({ min: -100_000, max: 100_000 }))
    .chain(([itemKey, occurrence, cents]) =>
      fc
        .tuple(fc.constantFrom("bill-1.csv", "bill-2.csv", 'a "b".csv'), fc.nat(1_000_000))
        .map(([file, line]): StoredBillLine => [itemKey, occurrence, cents, file, line]),
    ),
  { maxLength: 8 },
);

describe("stored bills (bill_months.lines)", () => {
  it("are read back whole, and name each file once per subscriber-month", () => {
    fc.assert(
      fc.property(storedBillLines, (lines) => {
        const text = storedBillText(lines);
        expect(parseStoredBill(text)).toEqual(lines);
        expect(JSON.parse(text).sources).toEqual([...new Set(lines.map((l) => l[3]))]);
      }),
      { numRuns: 300 },
    );
  });

  it("are read in the form of rows stored before, a JSON array of lines", () => {
    fc.assert(
      fc.property(storedBillLines, (lines) => {
        expect(parseStoredBill(JSON.stringify(lines))).toEqual(lines);
      }),
    );
  });
});

describe("stored records (usage_months.records)", () => {
  it("are written as bytes the same as their text, and read back whole", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, storedRecords), { maxLength: 4 }), (rows) => {
        const writer = new MonthRowsWriter();
        for (const [msisdn, records] of rows) writer.addRecords("2026-09", msisdn, records);
        const texts = rows.map(([msisdn, records]) => ["2026-09", msisdn, storedRecordsText(records)]);
        expect(Buffer.from(writer.rows().rows)).toEqual(tuples(texts));
        for (const [, records] of rows) expect(parseStoredRecords(storedRecordsText(records))).toEqual(records);
      }),
      { numRuns: 300 },
    );
  });

  it("name each file and run once per subscriber-month", () => {
    const records = [0, 1, 2, 3].map((i) => storedRecord(`C${i}`, i, i < 3 ? "cdr-1.csv" : "cdr-2.csv", "run-1"));
    const stored = JSON.parse(storedRecordsText(records));
    expect(stored.sources).toEqual([
      ["cdr-1.csv", "run-1"],
      ["cdr-2.csv", "run-1"],
    ]);
    expect(stored.records.map((r: unknown[]) => r.slice(9))).toEqual([
      [0, 2],
      [0, 3],
      [0, 4],
      [1, 5],
    ]);
  });

  it("are read in the form of rows stored before, a JSON array of records", () => {
    fc.assert(
      fc.property(storedRecords, (records) => {
        expect(parseStoredRecords(JSON.stringify(records))).toEqual(records);
      }),
    );
  });
});
