/*
 * The byte path of reading CSV, one of ingest's two fast paths (spill-lines.ts
 * is the other): a quote-free chunk read as its Latin-1 text, a character a
 * byte, so that line ends, commas and the fields that route a row are found
 * without decoding UTF-8; any row it cannot take is decoded and read the plain
 * way. Property tests (csv.test.ts, routes.test.ts) hold both paths equal.
 */
import { isAscii } from "node:buffer";
import { dayOf, monthOfDay, parseMonth, timestampAt } from "@billing/rating";

// biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL is what is looked for
const NOT_PLAIN = /[\u0000\u0080-\u00ff]/;

/**
 * Where a character is in a text, asked for from places that never go back
 * (records in order, and fields in a record): each search starts where the
 * last one found its character, so that a chunk is searched once, however
 * far its records lie from the next comma or line feed.
 */
class Finder {
  private found = -1;

  constructor(
    private readonly text: string,
    private readonly char: string,
  ) {}

  /** The first place of the character at or after `from` (no earlier than any `from` asked before), or the text's length. */
  from(from: number): number {
    if (this.found < from) {
      const at = this.text.indexOf(this.char, from);
      this.found = at < 0 ? this.text.length : at;
    }
    return this.found;
  }
}

export const CR = 0x0d;
export const LF = 0x0a;

/**
 * A chunk of a CSV file's bytes and their Latin-1 text. Copying the chunk as
 * text costs less than searching the bytes: with indexOf on a string the
 * search cost a third of a scan of the bytes, and a call to Buffer#indexOf
 * per line as much as the scan.
 */
export class ByteChunk {
  readonly text: string;
  private readonly commas: Finder;
  private readonly lineFeeds: Finder;
  private readonly returns: Finder;
  private readonly quotes: Finder;
  /** A chunk holding a NUL or any byte past ASCII: each record is checked, and one holding such a byte decoded. */
  private readonly mixed: boolean;

  constructor(readonly bytes: Buffer) {
    this.text = bytes.toString("latin1");
    this.commas = new Finder(this.text, ",");
    this.lineFeeds = new Finder(this.text, "\n");
    this.returns = new Finder(this.text, "\r");
    this.quotes = new Finder(this.text, '"');
    this.mixed = !isAscii(bytes) || this.text.includes("\0");
  }

  /** Where the next line end (LF or CR) at or after `from` is, or -1. Asked for in order. */
  lineEnd(from: number): number {
    const end = Math.min(this.lineFeeds.from(from), this.returns.from(from));
    return end === this.text.length ? -1 : end;
  }

  /** Whether the record [start, end) holds a quote. Asked for in order. */
  hasQuote(start: number, end: number): boolean {
    return this.quotes.from(start) < end;
  }

  /**
   * Cuts the quote-free record [start, end) at its commas: field i is
   * `[starts[i], starts[i + 1] - 1)` for the `starts.length - 1` fields of
   * the header. False when it has another number of fields, or holds a NUL
   * or a byte past ASCII (the plain path decodes it and says why). Records
   * must be asked for in order.
   */
  fieldStarts(start: number, end: number, starts: Int32Array): boolean {
    if (this.mixed && NOT_PLAIN.test(this.text.slice(start, end))) return false;
    const width = starts.length - 1;
    starts[0] = start;
    let n = 1;
    for (let i = this.commas.from(start); i < end; i = this.commas.from(i + 1)) {
      if (n === width) return false;
      starts[n++] = i + 1;
    }
    if (n !== width) return false;
    starts[width] = end + 1;
    return true;
  }

  /** The record [start, end) decoded, for the plain path. */
  decoded(start: number, end: number): string {
    return this.bytes.toString("utf8", start, end);
  }
}

/**
 * A Route on a quote-free row as read (readCsv's onFieldBytes, on a ByteChunk): what the
 * Route gives for the row decoded, or undefined to have it decoded. The row
 * is the Latin-1 text of its bytes, its fields at `starts`: for the ASCII a
 * valid msisdn, time or month holds that is its UTF-8 too, and any other
 * byte fails the check either way.
 */
export type ByteRoute = (
  text: string,
  starts: Int32Array,
  indexes: readonly number[],
) => { msisdn: string; billMonth: string } | undefined;

const fieldStart = (starts: Int32Array, index: number) => starts[index] as number;
const fieldEnd = (starts: Int32Array, index: number) => (starts[index + 1] as number) - 1;

/**
 * Reads a field as MSISDN accepts it (1 then 10 digits), else undefined; the
 * string of an msisdn is made once for each a reader meets, and found again
 * by its digits' value: a string a row cost more to make and hash than
 * routing the rest of the row.
 */
function msisdnReader(): (text: string, starts: Int32Array, index: number) => string | undefined {
  const made = new Map<number, string>();
  return (text, starts, index) => {
    const start = fieldStart(starts, index);
    const end = fieldEnd(starts, index);
    if (end - start !== 11 || text.charCodeAt(start) !== 0x31) return undefined;
    let value = 1;
    for (let i = start + 1; i < end; i++) {
      const d = text.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return undefined;
      value = value * 10 + d;
    }
    let msisdn = made.get(value);
    if (msisdn === undefined) {
      msisdn = text.slice(start, end);
      made.set(value, msisdn);
    }
    return msisdn;
  };
}

/** cdrRoute on a row as read (ByteRoute); bill months are remembered by day, as every row makes one. */
export function cdrByteRoute(): ByteRoute {
  const months = new Map<number, string>();
  const msisdnAt = msisdnReader();
  return (text, starts, indexes) => {
    const msisdn = msisdnAt(text, starts, indexes[1] as number);
    if (msisdn === undefined) return undefined;
    const time = indexes[5] as number;
    // Read where it lies: cut out of the row, the time cost as much again as reading it.
    const startMs = timestampAt(text, fieldStart(starts, time), fieldEnd(starts, time));
    if (startMs === undefined) return undefined;
    const day = dayOf(startMs);
    let billMonth = months.get(day);
    if (billMonth === undefined) {
      billMonth = monthOfDay(day);
      months.set(day, billMonth);
    }
    return { msisdn, billMonth };
  };
}

/** billRoute on a row as read (ByteRoute); the valid bill months are remembered. */
export function billByteRoute(): ByteRoute {
  const valid = new Set<string>();
  const msisdnAt = msisdnReader();
  return (text, starts, indexes) => {
    const month = indexes[0] as number;
    const billMonth = text.slice(fieldStart(starts, month), fieldEnd(starts, month));
    if (!valid.has(billMonth)) {
      if (!parseMonth(billMonth)) return undefined;
      valid.add(billMonth);
    }
    const msisdn = msisdnAt(text, starts, indexes[1] as number);
    return msisdn === undefined ? undefined : { msisdn, billMonth };
  };
}
