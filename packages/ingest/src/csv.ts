import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { InputError } from "@billing/formats";
import { ByteChunk, CR, LF } from "./byte-rows.js";

/**
 * A data row of a CSV file, or why it is not one. `line` counts lines, the
 * header as line 1: no field of formats.md holds a line break, so any line
 * end (CRLF, LF or CR) ends a row. `raw` is the line without its line end; a
 * `raw` holding no quote splits on its commas into `fields`.
 */
export type CsvEntry =
  | { readonly line: number; readonly fields: readonly string[]; readonly raw: string }
  | { readonly line: number; readonly fields: null; readonly raw: string; readonly reason: string };

/** What of a file a reader reads: all of it, up to `end` (a record boundary), or the part from `part` on (halves). */
export interface FileSpan {
  readonly end?: number;
  readonly part?: CsvPart;
}

export interface CsvReading extends FileSpan {
  readonly path: string;
  /** The file's name in errors and entries. */
  readonly file: string;
  readonly required: readonly string[];
  /** Called with the header row, before the first entry. */
  readonly onHeader?: (header: readonly string[]) => void;
  /** Called with each data row; when it returns a promise, reading waits for it, so a slow database never makes rows pile up. */
  readonly onEntry: (entry: CsvEntry) => undefined | Promise<void>;
  /**
   * A faster way in, when given, for a record without quotes, NUL or bytes
   * past ASCII that has as many fields as the header: its bytes, and the same bytes as
   * Latin-1 `text` (a character a byte, so a place in one is the same place
   * in the other), field i being `[starts[i], starts[i + 1] - 1)`. Returns
   * whether it took the record; one it did not take goes to onEntry,
   * decoded, as any other.
   */
  readonly onFieldBytes?: (bytes: Buffer, text: string, starts: Int32Array, line: number) => boolean;
  readonly onBytes?: (bytesRead: number) => void;
}

/** Where a file is cut for two readers (halves): the first reads up to `end`, the second `part`. */
export interface FileCut {
  readonly end: number;
  readonly part: CsvPart;
}

/** Where the rest of a file starts, at a line's start, with what a reader of it cannot see: the file's header and line count so far. */
export interface CsvPart {
  readonly start: number;
  readonly header: readonly string[];
  /** The line number of the part's first record (the header being line 1). */
  readonly firstLine: number;
}

const CHUNK_BYTES = 1 << 20;
const QUOTE = 0x22;

type Take = (fields: string[], raw: string) => undefined | Promise<void>;
type TakeBroken = (raw: string, reason: string) => undefined | Promise<void>;

/** Offers the quote-free record [start, end) of a chunk to onFieldBytes, as bytes; whether it took it. */
type TakeBytes = (chunk: ByteChunk, start: number, end: number) => boolean;

/**
 * Streams a CSV file (RFC 4180 within a line, header row, columns in any
 * order, extra columns ignored) to `onEntry`; a header lacking a required
 * column refuses the file. Every line end ends a row (formats.md); a line
 * whose quote is still open at its end is handed on as broken, and reading
 * goes on at the next line. Given `end` or `part`, only that span of the file
 * is read (halves).
 */
export async function readCsv(reading: CsvReading): Promise<number> {
  const { file, required, part } = reading;
  let header: readonly string[] | null = null;
  let rows = 0;
  /** The line number of the last record read. */
  let line = part ? part.firstLine - 1 : 1;
  const input = createReadStream(reading.path, {
    highWaterMark: CHUNK_BYTES,
    ...(part && { start: part.start }),
    ...(reading.end !== undefined && { end: reading.end - 1 }),
  });
  const counted = () => {
    rows += 1;
    if (reading.onBytes && rows % 5000 === 0) reading.onBytes(input.bytesRead);
    return ++line;
  };
  const broken: TakeBroken = (raw, reason) => {
    if (header === null) throw new InputError("bad_header", `${file} line 1: ${reason}`);
    return reading.onEntry({ line: counted(), fields: null, raw, reason });
  };
  const take: Take = (fields, raw) => {
    if (header === null) {
      // A UTF-8 BOM before the header (spreadsheets write one) is read past.
      if (fields[0]?.startsWith(BOM)) fields[0] = fields[0].slice(1);
      header = fields;
      const missing = required.filter((c) => !fields.includes(c));
      if (missing.length > 0)
        throw new InputError("bad_header", `${file} line 1: missing column ${missing.join(", ")}`);
      reading.onHeader?.(fields);
      return undefined;
    }
    const line = counted();
    const brokenText = brokenTextOf(raw);
    if (brokenText !== undefined) return reading.onEntry({ line, fields: null, raw, reason: brokenText });
    if (fields.length === header.length) return reading.onEntry({ line, fields, raw });
    const blank = fields.length === 1 && fields[0] === "";
    const reason = blank ? "blank line" : `expected ${header.length} columns, found ${fields.length}`;
    return reading.onEntry({ line, fields: null, raw, reason });
  };
  const onFieldBytes = reading.onFieldBytes;
  let starts = new Int32Array(0);
  const takeBytes: TakeBytes = (chunk, start, end) => {
    if (header === null || onFieldBytes === undefined) return false;
    if (starts.length !== header.length + 1) starts = new Int32Array(header.length + 1);
    if (!chunk.fieldStarts(start, end, starts) || !onFieldBytes(chunk.bytes, chunk.text, starts, line + 1))
      return false;
    counted();
    return true;
  };
  try {
    if (part) {
      header = part.header;
      reading.onHeader?.(header);
    }
    const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    await splitLines(chunks, take, broken, takeBytes);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError("unreadable_input", `${file}: ${(error as Error).message}`);
  } finally {
    input.destroy();
  }
  if (header === null) throw new InputError("bad_header", `${file} line 1: empty file, no header row`);
  reading.onBytes?.(input.bytesRead);
  return rows;
}

/**
 * Lines, undecoded (a ByteChunk), each ending at CRLF, LF or CR: a quote-free
 * one goes to `takeBytes` first, and is decoded and split on commas only if
 * that does not take it; one holding a quote is decoded and read as RFC 4180
 * within the line. A CR last in a chunk waits for the next, which may begin
 * with its LF.
 */
async function splitLines(chunks: AsyncIterator<Buffer>, take: Take, broken: TakeBroken, takeBytes: TakeBytes) {
  let rest: Buffer = Buffer.alloc(0);
  for (;;) {
    const next = await chunks.next();
    const bytes = next.done ? rest : rest.length === 0 ? next.value : Buffer.concat([rest, next.value]);
    const chunk = new ByteChunk(bytes);
    const record = (start: number, end: number) => {
      if (!chunk.hasQuote(start, end)) {
        if (takeBytes(chunk, start, end)) return undefined;
        const raw = chunk.decoded(start, end);
        return take(raw.split(","), raw);
      }
      const raw = chunk.decoded(start, end);
      const fields = quotedFields(raw);
      return typeof fields === "string" ? broken(raw, fields) : take(fields, raw);
    };
    // Line ends looked at in the chunk's text, not its bytes: a Buffer read here cost a third of the loop.
    const text = chunk.text;
    let at = 0;
    for (let stop = chunk.lineEnd(at); stop >= 0; stop = chunk.lineEnd(at)) {
      const cr = text.charCodeAt(stop) === CR;
      if (cr && stop + 1 === text.length && !next.done) break;
      const pending = record(at, stop);
      at = stop + (cr && text.charCodeAt(stop + 1) === LF ? 2 : 1);
      if (pending) await pending;
    }
    if (next.done) {
      if (at < bytes.length) await record(at, bytes.length);
      return;
    }
    rest = bytes.subarray(at);
  }
}

/**
 * The fields of a line holding quotes, read as RFC 4180 within the line: a
 * field opened by a quote runs to the quote that closes it (`""` being one
 * quote), and a comma or the line's end must follow. Else why the line is not
 * a row: no field of formats.md holds a line break, so a quote still open at
 * the line's end is a broken row, never the start of a longer one.
 */
export function quotedFields(line: string): string[] | string {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (line.charCodeAt(at) !== QUOTE) {
      const comma = line.indexOf(",", at);
      if (comma < 0) {
        fields.push(line.slice(at));
        return fields;
      }
      fields.push(line.slice(at, comma));
      at = comma + 1;
      continue;
    }
    let field = "";
    let from = at + 1;
    for (;;) {
      const quote = line.indexOf('"', from);
      if (quote < 0) return `a quote opened at column ${fields.length + 1} is not closed on its line`;
      field += line.slice(from, quote);
      if (line.charCodeAt(quote + 1) === QUOTE) {
        field += '"';
        from = quote + 2;
        continue;
      }
      at = quote + 1;
      break;
    }
    fields.push(field);
    if (at === line.length) return fields;
    if (line[at] !== ",") return `text after the closing quote of column ${fields.length}`;
    at += 1;
  }
}

/**
 * Where to cut a file for two readers: after the first line end past its
 * middle, if the file holds at least `minBytes` and a header without quotes.
 * Any line end ends a row, so each is a record boundary. The first reader
 * reads up to `end`, the second the part (with the header and line numbers
 * the first one sees). Undefined when the file is not cut.
 */
export async function halves(path: string, minBytes: number): Promise<FileCut | undefined> {
  // A file that cannot be opened is read whole, by a reader that says why it cannot.
  const handle = await open(path).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    if (size < minBytes) return undefined;
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const read = async (at: number) => buffer.subarray(0, (await handle.read(buffer, 0, CHUNK_BYTES, at)).bytesRead);
    let bytes = await read(0);
    let chunk = new ByteChunk(bytes);
    const headerEnd = chunk.lineEnd(0);
    if (headerEnd < 0 || bytes.subarray(0, headerEnd).includes(QUOTE)) return undefined;
    const headerText = bytes.toString("utf8", 0, headerEnd);
    const header = (headerText.startsWith(BOM) ? headerText.slice(1) : headerText).split(",");
    const middle = Math.floor(size / 2);
    // Chunks overlap by a byte, so that a CRLF across their border is seen whole, and counted once.
    const step = CHUNK_BYTES - 1;
    let lines = 0;
    for (let at = 0; at < size; at += step, bytes = await read(at), chunk = new ByteChunk(bytes)) {
      const last = at + step >= size ? bytes.length : step;
      for (let i = chunk.lineEnd(0); i >= 0 && i < last; i = chunk.lineEnd(i + 1)) {
        // A CR followed by a LF ends its line at the LF.
        if (bytes[i] === CR && bytes[i + 1] === LF) continue;
        if (bytes[i] === CR && i + 1 === bytes.length && at + i + 1 < size) continue;
        lines += 1;
        const start = at + i + 1;
        if (at + i >= middle)
          return start < size ? { end: start, part: { start, header, firstLine: lines + 1 } } : undefined;
      }
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

const BOM = "\ufeff";

/** formats.md: a row holding a NUL, or bytes that are not UTF-8 (decoded as U+FFFD), is quarantined. */
function brokenTextOf(raw: string): string | undefined {
  if (raw.includes("\u0000")) return "the row holds a NUL byte";
  if (raw.includes("\ufffd")) return "the row is not valid UTF-8";
  return undefined;
}
