/*
 * The spilled line, ingest's second fast path (byte-rows.ts is the first): a
 * row spilled as read, its head, and its three forms, read back where they
 * lie in one Latin-1 text when the spill is ASCII. Property tests
 * (row-parsers.test.ts, spill.test.ts) hold every form equal to the row as parsed.
 */
import { isAscii } from "node:buffer";
import { type FieldSpans, rowOf, spansOfRow, writeWhole } from "@billing/formats";

/**
 * A count written as one printable ASCII character (an `L` row's field count
 * and lengths, SpillFiles.appendRow): `zero` + the count, for counts up to `most`.
 */
export const FIELD_LENGTHS = { zero: 0x30, most: 0x7e - 0x30 } as const;

/** Spilled lines as read back (SpillFiles.read): their text, and whether it is their bytes' Latin-1. */
export interface SpilledText {
  readonly text: string;
  readonly latin1: boolean;
}

/** A spill file's bytes as text: ASCII, as nearly every spill is, is its own Latin-1, copied, where decoding UTF-8 took twice as long. */
export function spilledText(bytes: Buffer): SpilledText {
  return isAscii(bytes)
    ? { text: bytes.toString("latin1"), latin1: true }
    : { text: bytes.toString("utf8"), latin1: false };
}

/**
 * Bytes at most that writeRowLine takes for a row and its head.
 */
export function rowLineBytes(head: readonly (string | number)[], starts: Int32Array): number {
  const n = starts.length - 1;
  let headBytes = 2 + n;
  for (const part of head) headBytes += typeof part === "string" ? part.length : 16;
  return headBytes + (starts[n] as number) - 1 - (starts[0] as number) + 1;
}

/**
 * Writes into `into` at `at` a line made of `head`, then the row
 * `bytes[starts[0], starts[n] - 1)` whose n fields start at `starts` (the
 * last entry one past the row's end, as readCsv gives them), then a line
 * feed; returns where it ends. The row goes as `L`, a character for n and one
 * for each field's length (FIELD_LENGTHS), then its bytes; or as `R` and its
 * bytes when it has too many fields or one too long for that. `head` holds
 * ASCII text and whole numbers ≥ 0 (written as digits): made into one string
 * first, a head cost as much as copying the row.
 */
export function writeRowLine(
  into: Buffer,
  at: number,
  head: readonly (string | number)[],
  bytes: Buffer,
  starts: Int32Array,
): number {
  const n = starts.length - 1;
  const start = starts[0] as number;
  const end = (starts[n] as number) - 1;
  for (const part of head) {
    if (typeof part === "string") {
      for (let i = 0; i < part.length; i++) into[at++] = part.charCodeAt(i);
      continue;
    }
    at = writeWhole(into, at, part);
  }
  const form = at;
  into[at++] = 0x4c; // L
  into[at++] = FIELD_LENGTHS.zero + n;
  let fits = n <= FIELD_LENGTHS.most;
  for (let i = 0; i < n; i++) {
    const length = (starts[i + 1] as number) - (starts[i] as number) - 1;
    into[at++] = FIELD_LENGTHS.zero + length;
    fits &&= length <= FIELD_LENGTHS.most;
  }
  if (!fits) {
    at = form;
    into[at++] = 0x52; // R
  }
  // A loop, not bytes.copy: Node's copy makes a view of every row's bytes, a third of a gigabyte of garbage in a 2M-CDR run.
  for (let i = start; i < end; i++) into[at++] = bytes[i] as number;
  into[at++] = 0x0a;
  return at;
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
 * of `text` at `at`. A row spilled as read is cut into spans of the text
 * where it lies: an `L` row (SpillFiles.appendRow) by its field lengths
 * when the text is its bytes' Latin-1 (`latin1`, SpilledText's), else at
 * its commas, as an `R` row (spillRow); a `J` row is read from its JSON
 * [record, fields].
 */
export function spilledReader(
  columns: readonly string[],
  indexesByFile: readonly (readonly number[])[],
): (text: string, latin1: boolean, at: number) => SpilledRecord {
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
  // The text and its flag apart, not as an object: one of several shapes, the object made every read here slower.
  return (spilled, latin1, at) => {
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
export function spillRow(raw: string, fields: readonly string[]): string {
  return raw.includes('"') || raw.includes("\n") ? `J${JSON.stringify([raw, fields])}` : `R${raw}`;
}

/** The head of a spilled line: the row's msisdn, file index and line, each followed by a tab (spilledReader reads it back). */
export function spillHead(msisdn: string, fileSeq: number, line: number): string {
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

/** The spilled lines of one key as read from each of a run's spills (SpillFiles.read), in file and line order. */
export function spilledLines(read: readonly SpilledText[]): SpilledLines {
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
