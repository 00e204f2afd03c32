import type { UsageRecord } from "@billing/rating";

/**
 * A stored CDR of `usage_months.records` (StoredUsage): its usage fields,
 * where it was read and the run that last delivered it. A subscriber-month
 * is one JSON text: one value to read and one JSON.parse, where decoding
 * thousands of driver rows one by one cost more than rating them.
 */
export type StoredRecord = [
  recordId: string,
  service: UsageRecord["service"],
  direction: UsageRecord["direction"],
  otherParty: string,
  startMs: number,
  durationS: number,
  bytesUp: number,
  bytesDown: number,
  visitedArea: string,
  sourceFile: string,
  sourceLine: number,
  runId: string,
];

/**
 * A stored BOSS bill line, an element of `bill_months.lines`: amount in cents.
 * A month's lines are stored in file and line order (those of migration 0004
 * in (item_key, occurrence) order); readers order them as they need.
 */
export type StoredBillLine = [
  itemKey: string,
  occurrence: number,
  cents: number,
  sourceFile: string,
  sourceLine: number,
];

/**
 * `bill_months.lines` as written: each line's file named once for the
 * subscriber-month, in `sources`, and by index in the line (as StoredUsage
 * names its records' files). Written into every line, the file's name was
 * over a third of a bill's bytes (2M CDRs' bills: 73.8 MB, now 47.2 MB).
 * Rows written before hold a JSON array of
 * StoredBillLine; parseStoredBill reads both.
 */
export interface StoredBill {
  readonly sources: readonly string[];
  readonly lines: readonly CompactBillLine[];
}

/** A StoredBillLine in StoredBill: its item_key, occurrence and cents, its file's index in `sources`, its line. */
export type CompactBillLine = [itemKey: string, occurrence: number, cents: number, source: number, sourceLine: number];

/** The lines of a `bill_months.lines` text, either form. */
export function parseStoredBill(text: string): StoredBillLine[] {
  const stored = JSON.parse(text) as StoredBillLine[] | StoredBill;
  if (Array.isArray(stored)) return stored;
  return stored.lines.map(([itemKey, occurrence, cents, source, line]) => [
    itemKey,
    occurrence,
    cents,
    stored.sources[source] as string,
    line,
  ]);
}

/** Where each line's file is among those of its subscriber-month's bill, in the order first named. */
export function billSourcesOf(lines: readonly StoredBillLine[]): { sources: string[]; indexes: number[] } {
  return namedOnce(
    lines,
    (source, l) => source === l[3],
    (l) => l[3],
  );
}

/** The `bill_months.lines` text of a bill's lines (MonthRowsWriter.addBill writes the same as bytes). */
export function storedBillText(lines: readonly StoredBillLine[]): string {
  const { sources, indexes } = billSourcesOf(lines);
  return JSON.stringify({ sources, lines: lines.map((l, i) => [l[0], l[1], l[2], indexes[i], l[4]]) });
}

/**
 * `usage_months.records` as written: each record's file and run named once
 * for the subscriber-month, in `sources`, and by index in the record. Written
 * into every record they were a third of the bytes a run wrote and the server
 * stored. Rows written before (migration 0004 and runs until this form) hold
 * a JSON array of StoredRecord; parseStoredRecords reads both.
 */
export interface StoredUsage {
  readonly sources: readonly (readonly [sourceFile: string, runId: string])[];
  readonly records: readonly CompactRecord[];
}

/** A StoredRecord in StoredUsage: its first nine fields, its source's index in `sources`, its line. */
export type CompactRecord = [
  ...usage: [string, UsageRecord["service"], UsageRecord["direction"], string, number, number, number, number, string],
  source: number,
  sourceLine: number,
];

/** The records of a `usage_months.records` text, either form. */
export function parseStoredRecords(text: string): StoredRecord[] {
  const stored = JSON.parse(text) as StoredRecord[] | StoredUsage;
  if (Array.isArray(stored)) return stored;
  return stored.records.map((r) => {
    const [sourceFile, runId] = stored.sources[r[9]] as readonly [string, string];
    return [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], sourceFile, r[10], runId];
  });
}

/** Where each record's file and run are among those of its subscriber-month, in the order first named. */
export function sourcesOf(records: readonly StoredRecord[]): {
  sources: [sourceFile: string, runId: string][];
  indexes: number[];
} {
  return namedOnce(
    records,
    (source, r) => source[0] === r[9] && source[1] === r[11],
    (r): [string, string] => [r[9], r[11]],
  );
}

/**
 * The sources of a subscriber-month's elements, each named once in the order
 * first met, and the index of each element's among them: `isSource` tells
 * whether a source named is an element's, `sourceOf` names an element's.
 */
function namedOnce<T, S>(
  elements: readonly T[],
  isSource: (source: S, element: T) => boolean,
  sourceOf: (element: T) => S,
): { sources: S[]; indexes: number[] } {
  const sources: S[] = [];
  const indexes: number[] = [];
  for (const element of elements) {
    let s = 0;
    while (s < sources.length && !isSource(sources[s] as S, element)) s++;
    if (s === sources.length) sources.push(sourceOf(element));
    indexes.push(s);
  }
  return { sources, indexes };
}

/** The `usage_months.records` text of records (MonthRowsWriter.addRecords writes the same as bytes). */
export function storedRecordsText(records: readonly StoredRecord[]): string {
  const { sources, indexes } = sourcesOf(records);
  const compact = records.map((r, i) => [...r.slice(0, 9), indexes[i], r[10]]);
  return JSON.stringify({ sources, records: compact });
}

export function usageFromStored(msisdn: string, r: StoredRecord): UsageRecord {
  return {
    recordId: r[0],
    msisdn,
    service: r[1],
    direction: r[2],
    otherParty: r[3],
    startMs: r[4],
    durationS: r[5],
    bytesUp: r[6],
    bytesDown: r[7],
    visitedArea: r[8],
  };
}

/** Stored order of a subscriber-month's records: by start, then record_id in code-unit order. */
export function byStartThenId(a: StoredRecord, b: StoredRecord): number {
  return a[4] - b[4] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** A subscriber-month's bill lines in the order replay shows them: by item_key in code-unit order, then occurrence. */
export function byItemThenOccurrence(a: StoredBillLine, b: StoredBillLine): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
}

/** Exact cents of a stored numeric(14,2) string. */
export function centsOf(amount: string): number {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? amount.slice(1) : amount).split(".");
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
  return negative ? -cents : cents;
}
