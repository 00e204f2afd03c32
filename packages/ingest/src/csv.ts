import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { csvRecord, InputError } from "@billing/formats";
import Papa from "papaparse";
import { ByteChunk } from "./byte-rows.js";

/**
 * A data row of a CSV file, or why it is not one. `line` counts records, the
 * header as line 1; `raw` is the record without its line end. A `raw` holding
 * no quote splits on its commas into `fields`.
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
   * A faster way in, when given, for a record without quotes or line feeds
   * that has as many fields as the header: its bytes, and the same bytes as
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

/** Where the rest of a file starts, at a record boundary, with what a reader of it cannot see: the file's header, line end and line count so far. */
export interface CsvPart {
  readonly start: number;
  readonly header: readonly string[];
  readonly newline: string;
  /** The line number of the part's first record (the header being line 1). */
  readonly firstLine: number;
}

const CHUNK_BYTES = 1 << 20;
const QUOTE = 0x22;

type Take = (fields: string[], raw: string) => undefined | Promise<void>;

/** Offers the quote-free record [start, end) of a chunk to onFieldBytes, as bytes; whether it took it. */
type TakeBytes = (chunk: ByteChunk, start: number, end: number) => boolean;

/**
 * Streams a CSV file (RFC 4180, header row, columns in any order, extra
 * columns ignored) to `onEntry`; a header lacking a required column refuses
 * the file. Records are split here while the file holds no quote: then a
 * record is a line and a field what lies between commas. From the first
 * quote on, papaparse parses the rest (quoted fields may hold commas, quotes
 * and line ends). Both read lines as papaparse does, its line end guessed
 * from the first chunk (a property test holds the two equal); splitting
 * quote-free lines here took a fifth of papaparse's time. Given `end` or
 * `part`, only that span of the file is read (halves).
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
  const take: Take = (fields, raw) => {
    if (header === null) {
      header = fields;
      const missing = required.filter((c) => !fields.includes(c));
      if (missing.length > 0)
        throw new InputError("bad_header", `${file} line 1: missing column ${missing.join(", ")}`);
      reading.onHeader?.(fields);
      return undefined;
    }
    const line = counted();
    const broken = brokenText(raw);
    if (broken !== undefined) return reading.onEntry({ line, fields: null, raw, reason: broken });
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
    const decoder = new StringDecoder("utf8");
    const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    await splitBytes(chunks, decoder, take, takeBytes, part?.newline);
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
 * Records split on line ends while the file holds no quote, undecoded (a
 * ByteChunk): each goes to `takeBytes` first, and is decoded and split on
 * commas only if that does not take it. From the first chunk holding a quote
 * on, the rest goes to parseRest.
 */
async function splitBytes(
  chunks: AsyncIterator<Buffer>,
  decoder: StringDecoder,
  take: Take,
  takeBytes: TakeBytes,
  newline?: string,
): Promise<void> {
  let rest: Buffer = Buffer.alloc(0);
  for (;;) {
    const next = await chunks.next();
    const bytes = next.done ? rest : rest.length === 0 ? next.value : Buffer.concat([rest, next.value]);
    newline ??= guessLineEnd(bytes.toString("utf8", 0, CHUNK_BYTES));
    if (bytes.includes(QUOTE)) return parseRest(decoder.write(bytes), chunks, decoder, newline, take);
    const chunk = new ByteChunk(bytes, newline);
    const record = (start: number, end: number) => {
      if (takeBytes(chunk, start, end)) return undefined;
      const raw = chunk.decoded(start, end);
      return take(raw.split(","), raw);
    };
    let at = 0;
    for (let stop = chunk.lineEnd(at); stop >= 0; stop = chunk.lineEnd(at)) {
      const pending = record(at, stop);
      at = stop + newline.length;
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
 * Where to cut a file for two readers: after the first line end past its
 * middle, if the file holds at least `minBytes` and no quote up to there, so
 * that each line end before the cut ends a record. The first reader reads up
 * to `end`, the second the part (with the header, line end and line numbers
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
    const newline = guessLineEnd(bytes.toString("utf8"));
    // Line ends found as splitBytes finds them.
    let chunk = new ByteChunk(bytes, newline);
    const headerEnd = chunk.lineEnd(0);
    if (headerEnd < 0 || bytes.subarray(0, headerEnd).includes(QUOTE)) return undefined;
    const header = bytes.toString("utf8", 0, headerEnd).split(",");
    const middle = Math.floor(size / 2);
    // Chunks overlap by a line end less one byte, so that one across their border is found whole, once.
    const step = CHUNK_BYTES - newline.length + 1;
    let records = 0;
    for (let at = 0; at < size; at += step, bytes = await read(at), chunk = new ByteChunk(bytes, newline)) {
      if (bytes.includes(QUOTE)) return undefined;
      const last = at + step >= size ? bytes.length : step;
      for (let i = chunk.lineEnd(0); i >= 0 && i < last; i = chunk.lineEnd(i + newline.length)) {
        records += 1;
        const start = at + i + newline.length;
        if (at + i >= middle)
          return start < size ? { end: start, part: { start, header, newline, firstLine: records + 1 } } : undefined;
      }
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** papaparse's guess of a file's line end from its first chunk: \n, \r\n or \r. */
export function guessLineEnd(firstChunk: string): string {
  const text = firstChunk.slice(0, CHUNK_BYTES).replace(/"[\s\S]*?"/g, "");
  const r = text.split("\r");
  const n = text.split("\n");
  if (r.length === 1 || (n.length > 1 && (n[0] as string).length < (r[0] as string).length)) return "\n";
  const withN = r.filter((part) => part[0] === "\n").length;
  return withN >= r.length / 2 ? "\r\n" : "\r";
}

/** Parses `text` (starting at a record) and the rest of the file with papaparse. */
function parseRest(
  text: string,
  chunks: AsyncIterator<Buffer>,
  decoder: StringDecoder,
  newline: string,
  take: Take,
): Promise<void> {
  const rest = Readable.from(
    (async function* () {
      yield text;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield decoder.write(next.value);
      yield decoder.end();
    })(),
    { objectMode: false, encoding: "utf8" },
  );
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown, parser?: Papa.Parser) => {
      if (failed) return;
      failed = true;
      parser?.abort();
      rest.destroy();
      reject(error);
    };
    rest.on("error", (error) => fail(error));
    Papa.parse<string[]>(rest, {
      header: false,
      skipEmptyLines: false,
      delimiter: ",",
      newline: newline as "\n",
      step(result, parser) {
        if (failed) return;
        let pending: undefined | Promise<void>;
        try {
          pending = take(result.data, csvRecord(result.data));
        } catch (error) {
          fail(error, parser);
          return;
        }
        if (pending) {
          // In step mode parser.pause() stops the parser but not the stream,
          // which would queue the rest of the file in memory: pause both.
          parser.pause();
          rest.pause();
          pending.then(
            () => {
              rest.resume();
              parser.resume();
            },
            (error) => fail(error, parser),
          );
        }
      },
      complete() {
        if (!failed) resolve();
      },
      error(error: Error) {
        fail(error);
      },
    });
  });
}

/** formats.md: a row holding a NUL, or bytes that are not UTF-8 (decoded as U+FFFD), is quarantined. */
function brokenText(raw: string): string | undefined {
  if (raw.includes("\u0000")) return "the row holds a NUL byte";
  if (raw.includes("\ufffd")) return "the row is not valid UTF-8";
  return undefined;
}
