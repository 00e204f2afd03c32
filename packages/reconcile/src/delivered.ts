import { type SpilledBill, type SpilledInput, spillKey } from "./ingest.js";
import { byItemThenOccurrence, byStartThenId, type StoredBillLine, type StoredRecord } from "./stored-usage.js";

/** A CDR this run delivered: the stored record and its JSON text, as stored. */
export interface DeliveredCdr {
  readonly record: StoredRecord;
  readonly text: string;
}

/**
 * What this run delivered for one subscriber-month, as spilled lines in file
 * and line order. They are parsed only when the subscriber-month's turn
 * comes: a range held as parsed rows outlived the young generation and cost
 * collections more than the parsing.
 */
export interface Delivered {
  readonly cdrs: string[];
  readonly bills: string[];
}

/** A delivered row repeating a record_id delivered before it in this run. */
export interface RepeatedId {
  readonly file: string;
  readonly line: number;
  readonly recordId: string;
  readonly raw: string;
}

/** The spilled input of one bill month and msisdn range, by msisdn. */
export function readRange(input: SpilledInput, billMonth: string, range: number): Map<string, Delivered> {
  const byMsisdn = new Map<string, Delivered>();
  const entry = (line: string) => {
    const msisdn = line.slice(0, line.indexOf("\t"));
    let delivered = byMsisdn.get(msisdn);
    if (!delivered) {
      delivered = { cdrs: [], bills: [] };
      byMsisdn.set(msisdn, delivered);
    }
    return delivered;
  };
  // Spill files are appended in file and line order, so each list is in it too.
  for (const line of input.spill.lines(spillKey("cdr", billMonth, range))) entry(line).cdrs.push(line);
  for (const line of input.spill.lines(spillKey("bill", billMonth, range))) entry(line).bills.push(line);
  return byMsisdn;
}

/** A spilled line's file index, line, and the rest after them. */
function spilledFields(spilled: string): { fileSeq: number; line: number; rest: string } {
  const fileAt = spilled.indexOf("\t") + 1;
  const lineAt = spilled.indexOf("\t", fileAt) + 1;
  const restAt = spilled.indexOf("\t", lineAt) + 1;
  return {
    fileSeq: Number(spilled.slice(fileAt, lineAt - 1)),
    line: Number(spilled.slice(lineAt, restAt - 1)),
    rest: spilled.slice(restAt),
  };
}

/**
 * A subscriber-month's delivered CDRs in stored order, and the rows that
 * repeat a record_id delivered before them in this run (the first by file
 * and line stands; the others are quarantined).
 */
export function deliveredRecords(
  lines: readonly string[],
  files: readonly string[],
  runId: string,
): { kept: DeliveredCdr[]; repeated: RepeatedId[] } {
  const seen = new Set<string>();
  const kept: DeliveredCdr[] = [];
  const repeated: RepeatedId[] = [];
  const runJson = JSON.stringify(runId);
  for (const spilled of lines) {
    const { fileSeq, line, rest } = spilledFields(spilled);
    const rawAt = rest.indexOf("\t");
    const usage = rest.slice(0, rawAt);
    const file = files[fileSeq] as string;
    const fields = JSON.parse(usage) as StoredRecord;
    const recordId = fields[0];
    if (seen.has(recordId)) {
      repeated.push({ file, line, recordId, raw: JSON.parse(rest.slice(rawAt + 1)) as string });
      continue;
    }
    seen.add(recordId);
    fields.push(file, line, runId);
    kept.push({ record: fields, text: `${usage.slice(0, -1)},${JSON.stringify(file)},${line},${runJson}]` });
  }
  return { kept: kept.sort((a, b) => byStartThenId(a.record, b.record)), repeated };
}

/** Stored records with a later delivery merged in: a record delivered again replaces the stored one. */
export function mergeRecords(stored: readonly StoredRecord[], delivered: readonly StoredRecord[]): StoredRecord[] {
  const replaced = new Set(delivered.map((r) => r[0]));
  return [...stored.filter((r) => !replaced.has(r[0])), ...delivered].sort(byStartThenId);
}

/** A subscriber-month's delivered bill, its repeated item_keys numbered 1, 2, … in file and line order. */
export function deliveredBill(spilled: readonly string[], files: readonly string[]): StoredBillLine[] {
  const occurrences = new Map<string, number>();
  const lines: StoredBillLine[] = [];
  for (const text of spilled) {
    const { fileSeq, line, rest } = spilledFields(text);
    const [itemKey, cents] = JSON.parse(rest) as SpilledBill;
    const occurrence = (occurrences.get(itemKey) ?? 0) + 1;
    occurrences.set(itemKey, occurrence);
    lines.push([itemKey, occurrence, cents, files[fileSeq] as string, line]);
  }
  return lines.sort(byItemThenOccurrence);
}
