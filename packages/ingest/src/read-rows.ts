import { join } from "node:path";
import {
  columnIndexes,
  inShard,
  MSISDN,
  type QuarantineEntry,
  quarantineEvidence,
  type Row,
  rowOf,
  type Shard,
} from "@billing/formats";
import { type FileSpan, readCsv } from "./csv.js";

export interface FileCount {
  read: number;
  quarantined: number;
  /** CDR rows whose record_id was already read in this run (quarantined as well, counted apart). */
  duplicateIds: number;
  /** Rows another process of a sharded run takes (rates or quarantines). */
  otherShards: number;
}

/** What reading input rows needs: where the files are, the run's share, where malformed rows go, and the counts. */
export interface ReadContext {
  readonly inputs: { readonly dir: string; readonly subscribers?: string; readonly subscriptions?: string | null };
  readonly shard: Shard;
  /** Takes a malformed row; a promise when the reader should wait before the next. */
  readonly quarantine: { add(entry: QuarantineEntry): Promise<void> | undefined };
  readonly counts: Map<string, FileCount>;
  /** Bytes of a usage file read so far, for progress. */
  readonly onBytes?: (file: string, bytesRead: number) => void;
}

export function countFor(ctx: Pick<ReadContext, "counts">, file: string): FileCount {
  let c = ctx.counts.get(file);
  if (!c) {
    c = { read: 0, quarantined: 0, duplicateIds: 0, otherShards: 0 };
    ctx.counts.set(file, c);
  }
  return c;
}

/** Adds `from`'s counts into `into`. */
export function addCounts(into: FileCount, from: FileCount): void {
  into.read += from.read;
  into.quarantined += from.quarantined;
  into.duplicateIds += from.duplicateIds;
  into.otherShards += from.otherShards;
}

/**
 * Quarantines a malformed row. With several processes sharing a run, each row
 * is quarantined by one of them: the share of its msisdn when it has a valid
 * one, else the first, so the shares' counts add up to the whole.
 */
export function quarantineRow(
  ctx: ReadContext,
  file: string,
  line: number,
  reason: string,
  raw: string,
  row: Row | null,
) {
  // A malformed msisdn whose digits are one (a sign, a BOM or a broken byte around it) still names its
  // subscriber: the unverifiable rule then holds that subscriber's refunds, never another's.
  const field = row?.msisdn ?? "";
  const digits = field.replace(/\D/g, "");
  const msisdn = MSISDN.test(field) ? field : MSISDN.test(digits) ? digits : null;
  const owner = msisdn === null ? ctx.shard.index === 1 : inShard(msisdn, ctx.shard);
  const count = countFor(ctx, file);
  if (!owner) {
    count.otherShards += 1;
    return undefined;
  }
  count.quarantined += 1;
  const reference =
    file === ctx.inputs.subscribers ? "subscribers" : file === ctx.inputs.subscriptions ? "subscriptions" : undefined;
  return ctx.quarantine.add({ file, line, reason, raw, msisdn, ...quarantineEvidence(row, reference) });
}

export interface RowReading extends FileSpan {
  readonly columns: readonly string[];
  readonly onRow: (
    fields: readonly string[],
    indexes: readonly number[],
    entry: { line: number; raw: string },
  ) => Promise<void> | undefined;
  readonly onHeader?: (indexes: readonly number[]) => void;
  /** A row as bytes and Latin-1 text (readCsv's onFieldBytes) with where `columns` are; returns whether it took it. */
  readonly onFieldBytes?: (
    bytes: Buffer,
    text: string,
    starts: Int32Array,
    indexes: readonly number[],
    line: number,
  ) => boolean;
}

/**
 * Reads one input file row by row: every row is counted, one with the wrong
 * number of fields quarantined, and each other handed on as its fields with
 * where `columns` are in them (columnIndexes of the file's header). Given
 * `onFieldBytes`, a row it takes as bytes (readCsv) is counted and not decoded.
 */
export function readRows(ctx: ReadContext, file: string, reading: RowReading): Promise<number> {
  const { columns, onRow, onHeader, onFieldBytes } = reading;
  const count = countFor(ctx, file);
  let indexes: number[] = [];
  return readCsv({
    path: join(ctx.inputs.dir, file),
    file,
    required: columns,
    onHeader: (header) => {
      indexes = columnIndexes(header, columns);
      onHeader?.(indexes);
    },
    onEntry: (entry) => {
      count.read += 1;
      // A row of the wrong width is still read by position, as far as it goes: its record_id as read is evidence.
      if (!entry.fields)
        return quarantineRow(
          ctx,
          file,
          entry.line,
          entry.reason,
          entry.raw,
          rowOf(entry.raw.split(","), columns, indexes),
        );
      return onRow(entry.fields, indexes, entry);
    },
    ...(onFieldBytes && {
      onFieldBytes: (bytes, text, starts, line) => {
        const took = onFieldBytes(bytes, text, starts, indexes, line);
        if (took) count.read += 1;
        return took;
      },
    }),
    onBytes: (bytes) => ctx.onBytes?.(file, bytes),
    ...(reading.end !== undefined && { end: reading.end }),
    ...(reading.part && { part: reading.part }),
  });
}
