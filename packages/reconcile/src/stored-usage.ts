import type { UsageRecord } from "@billing/rating";

/**
 * A stored CDR, an element of `usage_months.records` (migration 0004): its
 * usage fields, where it was read and the run that last delivered it. A
 * subscriber-month is one JSON text: one value to read and one JSON.parse,
 * where decoding thousands of driver rows one by one cost more than rating them.
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
