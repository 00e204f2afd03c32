import {
  addTo,
  BILL_COLUMNS,
  byStartThenId,
  CDR_COLUMNS,
  fieldText,
  parseBillFields,
  parseCdrFields,
  type QuarantineEntry,
  RECORD_ID,
  recordIdAsRead,
  type StoredBillLine,
  type StoredRecord,
} from "@billing/formats";
import type { UsageRecord } from "@billing/rating";
import { type DeliveryColumns, type UsageCoverage, usageCoverage } from "./coverage.js";
import { SpillFiles } from "./spill.js";
import { type SpilledLines, type SpilledText, spilledLines, spilledMsisdn, spilledReader } from "./spill-lines.js";
import { type SpillLocation, spillKey } from "./spill-usage.js";

/** A CDR this run delivered: the stored record and the record to rate. */
export interface DeliveredCdr {
  readonly record: StoredRecord;
  readonly usage: UsageRecord;
}

/**
 * The spilled lines of one kind of usage file for one bill month and msisdn
 * range: one text, and where each msisdn's lines start in it, in file and
 * line order. They are parsed only when the subscriber-month's turn comes: a
 * range held as parsed rows outlived the young generation and cost
 * collections more than the parsing.
 */
export interface LinesByMsisdn extends SpilledText {
  readonly starts: ReadonlyMap<string, readonly number[]>;
}

/** What a run delivered for one bill month and msisdn range: its CDRs' and its bills' spilled lines. */
export interface RangeDelivery {
  readonly cdrs: LinesByMsisdn;
  readonly bills: LinesByMsisdn;
}

/** A delivered row repeating a record_id delivered before it in this run. */
export interface RepeatedId {
  readonly file: string;
  readonly line: number;
  readonly recordId: string;
  readonly raw: string;
}

/** The spilled input of one bill month and msisdn range. */
export function readRange(spills: readonly SpillFiles[], billMonth: string, range: number): RangeDelivery {
  return {
    cdrs: byMsisdn(spilledLines(spills.map((s) => s.read(spillKey("cdr", billMonth, range))))),
    bills: byMsisdn(spilledLines(spills.map((s) => s.read(spillKey("bill", billMonth, range))))),
  };
}

/** Spilled lines by the msisdn that heads each; in file and line order still, as they come. */
function byMsisdn({ text, starts, latin1 }: SpilledLines): LinesByMsisdn {
  const by = new Map<string, number[]>();
  for (const at of starts) addTo(by, spilledMsisdn(text, at), at);
  return { text, starts: by, latin1 };
}

/** What a run delivered, read from its spills by bill month and msisdn range. */
export interface DeliveryReader {
  /**
   * Its lines by msisdn (readRange). The last range read is kept: the chunks
   * of a range come one after the other, and only a chunk rated again
   * (StoredMeanwhile) asks for an earlier one.
   */
  range(billMonth: string, range: number): RangeDelivery;
  /** How much of the range's delivered bill its delivered CDRs cover (usageCoverage). */
  coverage(billMonth: string, range: number, columns: DeliveryColumns): UsageCoverage;
}

export function deliveryReader(locations: readonly SpillLocation[]): DeliveryReader {
  const spills = locations.map((l) => new SpillFiles(l.dir, l.keys));
  let last: { billMonth: string; range: number; delivered: RangeDelivery } | undefined;
  return {
    range(billMonth, range) {
      if (last?.billMonth !== billMonth || last.range !== range) {
        // Let go of the last one before reading the next: never two ranges at once.
        last = undefined;
        last = { billMonth, range, delivered: readRange(spills, billMonth, range) };
      }
      return last.delivered;
    },
    coverage: (billMonth, range, columns) =>
      usageCoverage(
        spills.map((s) => s.read(spillKey("cdr", billMonth, range))),
        spills.map((s) => s.read(spillKey("bill", billMonth, range))),
        columns,
      ),
  };
}

/** Where a run reads its delivery: the file names and column indexes (columnIndexes) by file index, and the run. */
export interface DeliveryFiles {
  readonly files: readonly string[];
  readonly columns: readonly (readonly number[])[];
  readonly runId: string;
  /** The bill month whose spill is read. */
  readonly billMonth: string;
}

/**
 * A subscriber-month's delivered CDRs in stored order, the rows that are
 * malformed (checked here, on the rating thread), and the rows that repeat
 * a record_id delivered before them in this run (the first by file and line
 * stands; the others are quarantined).
 */
export function deliveredRecords(
  lines: SpilledLines,
  from: DeliveryFiles,
): { kept: DeliveredCdr[]; repeated: RepeatedId[]; malformed: QuarantineEntry[] } {
  const seen = new Set<string>();
  const kept: DeliveredCdr[] = [];
  const repeated: RepeatedId[] = [];
  const malformed: QuarantineEntry[] = [];
  const read = spilledReader(CDR_COLUMNS, from.columns);
  for (const at of lines.starts) {
    const row = read(lines.text, lines.latin1, at);
    const { line, fields } = row;
    const file = from.files[row.fileSeq] as string;
    const parsed = parseCdrFields(fields);
    if (!parsed.ok) {
      const recordId = recordIdAsRead(fieldText(fields, RECORD_ID));
      const evidence = {
        recordId,
        billMonth: from.billMonth,
        recordUnreadable: recordId === null,
        referenceItem: null,
      };
      malformed.push({ file, line, reason: parsed.reason, raw: row.raw(), msisdn: row.msisdn(), ...evidence });
      continue;
    }
    const r = parsed.value;
    const before = seen.size;
    seen.add(r.recordId);
    if (seen.size === before) {
      repeated.push({ file, line, recordId: r.recordId, raw: row.raw() });
      continue;
    }
    const record: StoredRecord = [
      r.recordId,
      r.service,
      r.direction,
      r.otherParty,
      r.startMs,
      r.durationS,
      r.bytesUp,
      r.bytesDown,
      r.visitedArea,
      file,
      line,
      from.runId,
    ];
    kept.push({ record, usage: r });
  }
  return { kept: kept.sort((a, b) => byStartThenId(a.record, b.record)), repeated, malformed };
}

/** Stored records with a later delivery merged in: a record delivered again replaces the stored one. */
export function mergeRecords(stored: readonly StoredRecord[], delivered: readonly StoredRecord[]): StoredRecord[] {
  const replaced = new Set(delivered.map((r) => r[0]));
  return [...stored.filter((r) => !replaced.has(r[0])), ...delivered].sort(byStartThenId);
}

/**
 * A subscriber-month's delivered bill in file and line order (as stored:
 * no reader relies on the order, and sorting a night's million lines cost
 * more than checking them), its repeated item_keys numbered 1, 2, … in that
 * order, and its malformed rows.
 */
export function deliveredBill(
  spilled: SpilledLines,
  from: DeliveryFiles,
): { lines: StoredBillLine[]; malformed: QuarantineEntry[] } {
  const occurrences = new Map<string, number>();
  const lines: StoredBillLine[] = [];
  const malformed: QuarantineEntry[] = [];
  const read = spilledReader(BILL_COLUMNS, from.columns);
  for (const at of spilled.starts) {
    const row = read(spilled.text, spilled.latin1, at);
    const { line } = row;
    const file = from.files[row.fileSeq] as string;
    const parsed = parseBillFields(row.fields);
    if (!parsed.ok) {
      const evidence = { recordId: null, billMonth: from.billMonth, recordUnreadable: false, referenceItem: null };
      malformed.push({ file, line, reason: parsed.reason, raw: row.raw(), msisdn: row.msisdn(), ...evidence });
      continue;
    }
    const { itemKey, cents } = parsed.value;
    const occurrence = (occurrences.get(itemKey) ?? 0) + 1;
    occurrences.set(itemKey, occurrence);
    lines.push([itemKey, occurrence, cents, file, line]);
  }
  return { lines, malformed };
}
