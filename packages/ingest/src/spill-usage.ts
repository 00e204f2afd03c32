import { join } from "node:path";
import {
  BILL_COLUMNS,
  CDR_COLUMNS,
  type InputError,
  inShard,
  type Parsed,
  parseBillRow,
  parseCdrRow,
  type QuarantineEntry,
  type Row,
  rowOf,
} from "@billing/formats";
import pLimit from "p-limit";
import { type ByteRoute, billByteRoute, cdrByteRoute } from "./byte-rows.js";
import type { IngestContext } from "./context.js";
import { type CsvPart, type FileCut, type FileSpan, halves } from "./csv.js";
import { countFor, type FileCount, quarantineRow, type ReadContext, readRows } from "./read-rows.js";
import { billRoute, cdrRoute, type Route } from "./routes.js";
import { type MsisdnRanges, removeAbandonedSpills, SpillFiles, spilledTextLines } from "./spill.js";
import { spillHead, spillRow } from "./spill-lines.js";

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
