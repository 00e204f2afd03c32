import { join } from "node:path";
import {
  BILL_COLUMNS,
  CDR_COLUMNS,
  type FieldSpans,
  type InputError,
  inShard,
  type Parsed,
  parseBillRow,
  parseCdrRow,
  type QuarantineEntry,
  type Row,
  rowOf,
  spansOfRow,
} from "@billing/formats";
import pLimit from "p-limit";
import type { IngestContext } from "./context.js";
import { type CsvPart, type FileCut, type FileSpan, halves } from "./csv.js";
import { countFor, type FileCount, quarantineRow, type ReadContext, readRows } from "./read-rows.js";
import { type ByteRoute, billByteRoute, billRoute, cdrByteRoute, cdrRoute, type Route } from "./routes.js";
import {
  FIELD_LENGTHS,
  type MsisdnRanges,
  removeAbandonedSpills,
  type SpilledText,
  SpillFiles,
  spilledTextLines,
} from "./spill.js";

/**
 * Spilled lines, one per row: `msisdn TAB file index TAB line TAB row`, the
 * row as read (see spillRow, and SpillFiles.appendRow for a row copied as
 * bytes with its fields' lengths). Rows are only routed here, by msisdn and
 * bill month; they are checked whole when rated, on the rating thread. A
 * file read in two parts (halves) leaves its second part's lines in a spill
 * of their own; spilledLines puts the lines of a key back in file and line order.
 */
export interface SpilledInput {
  /** This thread's spill, then those of the parts read by others. */
  readonly spills: SpillFiles[];
  readonly ranges: MsisdnRanges;
  /** The bill months of the rows spilled. */
  readonly months: Set<string>;
  /** Where CDR_COLUMNS and BILL_COLUMNS are in each CDR and bill file, by file index. */
  readonly cdrColumns: number[][];
  readonly billColumns: number[][];
}

export type UsageKindName = "cdr" | "bill";

export function spillKey(kind: UsageKindName, billMonth: string, range: number): string {
  return `${billMonth}.${range}.${kind}`;
}

/**
 * The key of the msisdns of a spill key's rows, one per line: each row's,
 * but for a row of the same msisdn as the row before it in that key.
 * Gathered into sets as they were read, they held every subscriber's msisdn
 * until the end of the run.
 */
function msisdnsKey(kind: UsageKindName, billMonth: string, range: number): string {
  return `${spillKey(kind, billMonth, range)}.msisdns`;
}

/** The msisdns of the rows of one kind spilled for a bill month and msisdn range, each once, in no order. */
export function spilledMsisdns(
  spills: readonly SpillFiles[],
  kind: UsageKindName,
  billMonth: string,
  range: number,
): Set<string> {
  const msisdns = new Set<string>();
  const key = msisdnsKey(kind, billMonth, range);
  for (const spill of spills) for (const msisdn of spilledTextLines(spill.read(key).text)) msisdns.add(msisdn);
  return msisdns;
}

/** A spilled line read back (spilledReader): one object, reused for the reader's next line. */
export interface SpilledRecord {
  readonly fileSeq: number;
  readonly line: number;
  /** The row's fields for the reader's columns. */
  readonly fields: FieldSpans;
  /** The row as read, and its msisdn: made into strings only for the rows that need them (malformed, repeated). */
  raw(): string;
  msisdn(): string;
}

/**
 * Reads back spilled lines of one kind of file, given the kind's columns
 * and where they are in each file (columnIndexes, by file index): the line
 * of `spilled.text` at `at`. A row spilled as read is cut into spans of the
 * text where it lies: an `L` row (SpillFiles.appendRow) by its field
 * lengths when the text is its bytes' Latin-1 (`spilled.latin1`), else at
 * its commas, as an `R` row (spillRow); a `J` row is read from its JSON
 * [record, fields].
 */
export function spilledReader(
  columns: readonly string[],
  indexesByFile: readonly (readonly number[])[],
): (spilled: SpilledText, at: number) => SpilledRecord {
  const starts = new Int32Array(columns.length);
  const ends = new Int32Array(columns.length);
  const fieldStarts: number[] = [];
  const spans = { text: "", starts, ends };
  let text = "";
  let lineAt = 0;
  let rowAt = 0;
  let lineEnd = 0;
  let jsonRaw: string | undefined;
  const record = {
    fileSeq: 0,
    line: 0,
    fields: spans as FieldSpans,
    raw: () => jsonRaw ?? text.slice(rowAt, lineEnd),
    msisdn: () => spilledMsisdn(text, lineAt),
  };
  return ({ text: spilled, latin1 }, at) => {
    const restAt = readHead(spilled, at, record);
    text = spilled;
    lineAt = at;
    const indexes = indexesByFile[record.fileSeq] as readonly number[];
    const form = spilled.charCodeAt(restAt);
    if (form === 0x4a /* J */) {
      lineEnd = lineEndAt(spilled, restAt);
      const [raw, values] = JSON.parse(spilled.slice(restAt + 1, lineEnd)) as [string, string[]];
      jsonRaw = raw;
      record.fields = spansOfRow(rowOf(values, columns, indexes), columns);
      return record;
    }
    jsonRaw = undefined;
    // Set in place, never emptied: emptying the array gave back its store, and each row grew a new one.
    let count = 0;
    if (form === 0x4c /* L */) {
      const n = spilled.charCodeAt(restAt + 1) - FIELD_LENGTHS.zero;
      rowAt = restAt + 2 + n;
      if (latin1) {
        let fieldAt = rowAt;
        for (let i = 0; i < n; i++) {
          fieldStarts[count++] = fieldAt;
          fieldAt += spilled.charCodeAt(restAt + 2 + i) - FIELD_LENGTHS.zero + 1;
        }
        fieldStarts[count++] = fieldAt;
        lineEnd = fieldAt - 1;
      }
    } else rowAt = restAt + 1;
    if (count === 0) {
      // Cut with indexOf: a scan a character at a time cost half as much again.
      lineEnd = lineEndAt(spilled, rowAt);
      fieldStarts[count++] = rowAt;
      for (let i = spilled.indexOf(",", rowAt); i >= 0 && i < lineEnd; i = spilled.indexOf(",", i + 1))
        fieldStarts[count++] = i + 1;
      fieldStarts[count++] = lineEnd + 1;
    }
    for (let c = 0; c < columns.length; c++) {
      const i = indexes[c] as number;
      const present = i >= 0 && i + 1 < count;
      starts[c] = present ? (fieldStarts[i] as number) : 0;
      ends[c] = present ? (fieldStarts[i + 1] as number) - 1 : 0;
    }
    spans.text = spilled;
    record.fields = spans;
    return record;
  };
}

/** Where the line of `text` holding `at` ends: at its line feed, or the end of the text. */
function lineEndAt(text: string, at: number): number {
  const end = text.indexOf("\n", at);
  return end < 0 ? text.length : end;
}

/** The msisdn that heads (spillHead) the spilled line of `text` at `at`. */
export function spilledMsisdn(text: string, at: number): string {
  return text.slice(at, text.indexOf("\t", at));
}

/** Reads the head (spillHead) of the spilled line at `at` into `into`, and returns where the row as spilled (spillRow) begins. */
function readHead(spilled: string, at: number, into: { fileSeq: number; line: number }): number {
  const fileAt = spilled.indexOf("\t", at) + 1;
  const lineAt = digitsEnd(spilled, fileAt) + 1;
  const restAt = digitsEnd(spilled, lineAt) + 1;
  into.fileSeq = wholeAt(spilled, fileAt, lineAt - 1);
  into.line = wholeAt(spilled, lineAt, restAt - 1);
  return restAt;
}

/** Where the digits of `text` from `at` on end. */
function digitsEnd(text: string, at: number): number {
  let i = at;
  for (let d = text.charCodeAt(i) - 48; d >= 0 && d <= 9; d = text.charCodeAt(i) - 48) i++;
  return i;
}

/** The whole number written in digits at `text[from, to)`. */
function wholeAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** A row as spilled: `R` and the record when it splits on commas into its fields, else `J` and JSON [record, fields]. */
function spillRow(raw: string, fields: readonly string[]): string {
  return raw.includes('"') || raw.includes("\n") ? `J${JSON.stringify([raw, fields])}` : `R${raw}`;
}

/** The head of a spilled line: the row's msisdn, file index and line, each followed by a tab (spilledReader reads it back). */
function spillHead(msisdn: string, fileSeq: number, line: number): string {
  return `${msisdn}\t${fileSeq}\t${line}\t`;
}

const position = { fileSeq: 0, line: 0 };

/** Where the spilled line at `at` was read: file index × 2³² + line, an order of file, then line. */
function positionOf(text: string, at: number): number {
  readHead(text, at, position);
  return position.fileSeq * 2 ** 32 + position.line;
}

/** Two lists of lines of `text` (where they start), each in file and line order, as one in that order. */
function merge(text: string, a: number[], b: number[]): number[] {
  if (a.length === 0 || b.length === 0 || positionOf(text, a.at(-1) as number) < positionOf(text, b[0] as number))
    return a.concat(b);
  const out: number[] = [];
  let i = 0;
  let j = 0;
  let pa = positionOf(text, a[0] as number);
  let pb = positionOf(text, b[0] as number);
  while (i < a.length && j < b.length) {
    if (pa < pb) {
      out.push(a[i++] as number);
      if (i < a.length) pa = positionOf(text, a[i] as number);
    } else {
      out.push(b[j++] as number);
      if (j < b.length) pb = positionOf(text, b[j] as number);
    }
  }
  return out.concat(a.slice(i), b.slice(j));
}

/**
 * Spilled lines as one text and where each starts in it, in file and line
 * order. Lines cut into strings of their own were made, and read character by
 * character, at twice the cost of reading them where they lie.
 */
export interface SpilledLines extends SpilledText {
  readonly starts: readonly number[];
}

/** The spilled lines of a key in the spills of a run, in file and line order. */
export function spilledLines(spills: readonly SpillFiles[], key: string): SpilledLines {
  const read = spills.map((spill) => spill.read(key));
  const parts = read.map((r) => r.text);
  const text = parts.join("");
  let starts: number[] = [];
  let from = 0;
  for (const part of parts) {
    const to = from + part.length;
    const mine: number[] = [];
    // Each line ends in a line feed.
    for (let at = from; at < to; at = text.indexOf("\n", at) + 1) mine.push(at);
    starts = merge(text, starts, mine);
    from = to;
  }
  return { text, starts, latin1: read.every((r) => r.latin1) };
}

/** Where a spill's files are, as plain data for another thread to read them (SpillFiles). */
export interface SpillLocation {
  readonly dir: string;
  readonly keys: readonly string[];
}

export function spillLocations(input: SpilledInput): SpillLocation[] {
  return input.spills.map((spill) => ({ dir: spill.dir, keys: spill.keys() }));
}

export function removeSpills(input: SpilledInput): void {
  for (const spill of input.spills) spill.remove();
}

/** How rows of one kind of usage file are read: its columns, its routes and its full check. */
interface UsageKind {
  readonly columns: readonly string[];
  readonly route: Route;
  readonly byteRoute: () => ByteRoute;
  readonly parse: (row: Row) => Parsed<unknown>;
}

const USAGE: Record<UsageKindName, UsageKind> = {
  cdr: { columns: CDR_COLUMNS, route: cdrRoute, byteRoute: cdrByteRoute, parse: parseCdrRow },
  bill: { columns: BILL_COLUMNS, route: billRoute, byteRoute: billByteRoute, parse: parseBillRow },
};

/** Where one reader of a usage file spills it. */
export interface SpillTarget {
  readonly spill: SpillFiles;
  readonly ranges: MsisdnRanges;
  /** The bill months of the rows spilled. */
  readonly months: Set<string>;
  /** Where the kind's columns are in each file, by file index: set from the header. */
  readonly columns: number[][];
}

/**
 * Streams a usage file (CDRs or bills), or a span of it, into the spill
 * files: every row is counted; one of another share counted apart; one with
 * a valid msisdn and bill month appended, as read, to the file of its bill
 * month and msisdn range; any other quarantined with the reason its full
 * check gives. Most rows are routed on their Latin-1 text and copied as bytes, never decoded as UTF-8 (ByteRoute).
 */
export async function spillFile(
  ctx: ReadContext,
  target: SpillTarget,
  kind: UsageKindName,
  fileSeq: number,
  file: string,
  span: FileSpan = {},
): Promise<void> {
  const { columns, route, parse } = USAGE[kind];
  const byteRoute = USAGE[kind].byteRoute();
  const count = countFor(ctx, file);
  /** By bill month and range: the spill keys of rows and of their msisdns, and the msisdn of the last row. */
  const keysOf = new Map<string, { rows: string[]; msisdns: string[]; last: string[] }>();
  /** The spill file of a routed row, or undefined when the row is another share's. */
  const keyOf = (to: { msisdn: string; billMonth: string }): string | undefined => {
    if (!inShard(to.msisdn, ctx.shard)) {
      count.otherShards += 1;
      return undefined;
    }
    const range = target.ranges.rangeOf(to.msisdn);
    let keys = keysOf.get(to.billMonth);
    if (!keys) {
      keys = { rows: [], msisdns: [], last: [] };
      keysOf.set(to.billMonth, keys);
      target.months.add(to.billMonth);
    }
    if (keys.last[range] !== to.msisdn) {
      keys.last[range] = to.msisdn;
      keys.msisdns[range] ??= msisdnsKey(kind, to.billMonth, range);
      target.spill.append(keys.msisdns[range], `${to.msisdn}\n`);
    }
    // The same string each time: SpillFiles finds its file faster by a string it has hashed.
    keys.rows[range] ??= spillKey(kind, to.billMonth, range);
    return keys.rows[range];
  };
  const onRow = (fields: readonly string[], indexes: readonly number[], entry: { line: number; raw: string }) => {
    const to = route(fields, indexes);
    if (!to) {
      const row = rowOf(fields, columns, indexes);
      const result = parse(row);
      if (result.ok) throw new Error(`${file} line ${entry.line}: a valid row without msisdn and bill month`);
      return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, row);
    }
    const key = keyOf(to);
    if (key !== undefined)
      target.spill.append(key, `${spillHead(to.msisdn, fileSeq, entry.line)}${spillRow(entry.raw, fields)}\n`);
    return undefined;
  };
  // The head of spillHead, reused row after row; SpillFiles.appendRow writes the row after it.
  const head: [msisdn: string, tab: "\t", fileSeq: number, tab: "\t", line: number, tab: "\t"] = [
    "",
    "\t",
    fileSeq,
    "\t",
    0,
    "\t",
  ];
  const onFieldBytes = (bytes: Buffer, text: string, starts: Int32Array, indexes: readonly number[], line: number) => {
    const to = byteRoute(text, starts, indexes);
    if (!to) return false;
    const key = keyOf(to);
    if (key !== undefined) {
      head[0] = to.msisdn;
      head[4] = line;
      target.spill.appendRow(key, head, bytes, starts);
    }
    return true;
  };
  await readRows(ctx, file, {
    columns,
    onRow,
    onHeader: (indexes) => {
      target.columns[fileSeq] = [...indexes];
    },
    onFieldBytes,
    ...span,
  });
}

/** What a spill worker (spill-worker.ts) is asked to read: the second half of a file. */
export interface SpillPartData {
  readonly dir: string;
  readonly kind: UsageKindName;
  readonly fileSeq: number;
  readonly file: string;
  readonly part: CsvPart;
  readonly shard: ReadContext["shard"];
  readonly rangeStarts: readonly string[];
}

/** What a spill worker posts: progress, malformed rows as it finds them, and at the end its spill or why it failed. */
export type SpillPartMessage =
  | { readonly bytes: number; readonly rows: number }
  | { readonly quarantined: readonly QuarantineEntry[] }
  | {
      readonly done: {
        readonly dir: string;
        readonly keys: readonly string[];
        readonly count: FileCount;
        readonly months: readonly string[];
      };
    }
  | { readonly failed: { readonly message: string; readonly code?: InputError["code"] } };

/**
 * How usage files are read: those of at least `minBytes` in two halves at
 * once, the second by `parts` (the nightly run's worker thread), or on this
 * thread after the first when none is given.
 */
export interface SplitReading {
  readonly minBytes: number;
  readonly parts?: (input: SpilledInput) => PartReader;
}

/** Where a run's usage files are cut in two (halves), by file name; a file read whole has no cut. */
export type FileCuts = ReadonlyMap<string, Promise<FileCut | undefined>>;

/**
 * Looks for where to cut each usage file, from the start of the run: a run
 * starts this before it reads the reference data, since finding a cut reads
 * half the file (some 0.3 s for 2M CDRs and their bill, when looked for as
 * each file's turn came). One file at a time, in the order they are read, so
 * that a night of many files never crowds out the reading of the reference
 * data. A file whose cut cannot be found is read whole, by a reader that says why.
 */
export function findCuts(
  inputs: { readonly dir: string; readonly cdrs: readonly string[]; readonly bills: readonly string[] },
  split: SplitReading | undefined,
): FileCuts {
  const cuts = new Map<string, Promise<FileCut | undefined>>();
  if (!split) return cuts;
  const oneAtATime = pLimit(1);
  for (const file of [...inputs.cdrs, ...inputs.bills])
    cuts.set(
      file,
      oneAtATime(() => halves(join(inputs.dir, file), split.minBytes)).catch(() => undefined),
    );
  return cuts;
}

/** Reads the second halves of files into spills of their own (pushed to the SpilledInput it was made for). */
export interface PartReader {
  /** Whether a second half is read only after its first (on the same thread). */
  readonly sequential: boolean;
  /** Starts reading a second half; the function it returns waits for the reading to end. */
  start(ctx: ReadContext, data: SpillPartData): () => Promise<void>;
  close(): Promise<void>;
}

/** A PartReader on this thread: each second half is read after its first. */
function inlineParts(input: SpilledInput): PartReader {
  return {
    sequential: true,
    start: (ctx, data) => async () => {
      const spill = new SpillFiles();
      input.spills.push(spill);
      const target = { spill, ranges: input.ranges, months: input.months, columns: [] };
      await spillFile(ctx, target, data.kind, data.fileSeq, data.file, { part: data.part });
      spill.flush();
    },
    close: async () => {},
  };
}

/**
 * Reads the CDR and bill files of the run into spill files, by bill month and
 * msisdn range (subscriberRanges makes them about `rangeBytes` of input each).
 * Memory holds one chunk of a file at a time. With `split`, a large file is
 * read in two halves at once (where `cuts` says), the second on a worker
 * thread: the second core was idle while this one read.
 */
export async function spillUsage(
  ctx: IngestContext,
  ranges: MsisdnRanges,
  split?: SplitReading,
  cuts: FileCuts = findCuts(ctx.inputs, split),
): Promise<SpilledInput> {
  removeAbandonedSpills();
  const spill = new SpillFiles();
  const input: SpilledInput = {
    spills: [spill],
    ranges,
    months: new Set(),
    cdrColumns: [],
    billColumns: [],
  };
  const parts = split?.parts ? split.parts(input) : inlineParts(input);
  try {
    const files: [UsageKindName, readonly string[]][] = [
      ["cdr", ctx.inputs.cdrs],
      ["bill", ctx.inputs.bills],
    ];
    for (const [kind, names] of files) {
      const target = { spill, ranges, months: input.months, columns: input[`${kind}Columns`] };
      for (const [fileSeq, file] of names.entries()) {
        const cut = await cuts.get(file);
        if (!cut) {
          await spillFile(ctx, target, kind, fileSeq, file);
          continue;
        }
        // Progress adds what the two readers have read.
        const read = [0, 0];
        const progress = (i: number) => (_: string, bytes: number) => {
          read[i] = bytes;
          ctx.onBytes?.(file, (read[0] as number) + (read[1] as number));
        };
        const data = {
          dir: ctx.inputs.dir,
          kind,
          fileSeq,
          file,
          part: cut.part,
          shard: ctx.shard,
          rangeStarts: ranges.starts,
        };
        const second = parts.start({ ...ctx, onBytes: progress(1) }, data);
        const first = spillFile({ ...ctx, onBytes: progress(0) }, target, kind, fileSeq, file, { end: cut.end });
        // Both are awaited, so that a failed one never leaves the other running unwatched.
        const [a, b] = await Promise.allSettled([first, parts.sequential ? first.then(second) : second()]);
        for (const outcome of [a, b]) if (outcome.status === "rejected") throw outcome.reason;
      }
    }
    spill.flush();
    // Rating reads what was quarantined; the rows of the last batch must be there too.
    await ctx.quarantine.flush();
    return input;
  } catch (error) {
    removeSpills(input);
    throw error;
  } finally {
    await parts.close();
  }
}
