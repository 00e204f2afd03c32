import { createReadStream, type WriteStream } from "node:fs";
import Papa from "papaparse";
import { InputError } from "./errors.js";
import type { Row } from "./row-parsers.js";

/** A data row of a CSV file, or why it is not one. `line` counts the header as line 1; `raw` is the record without its line end. */
export type CsvEntry =
  | { readonly line: number; readonly row: Row; readonly raw: string }
  | { readonly line: number; readonly row: null; readonly raw: string; readonly reason: string };

/**
 * Streams a CSV file (RFC 4180, header row, columns in any order, extra
 * columns ignored) to `onEntry`, with papaparse: it parses several times
 * faster than fast-csv here (bench-reconcile). When `onEntry` returns a
 * promise, parsing pauses until it settles, so a slow database never makes
 * rows pile up. A header lacking a required column refuses the file.
 */
export function readCsv(
  path: string,
  file: string,
  required: readonly string[],
  onEntry: (entry: CsvEntry) => undefined | Promise<void>,
  onBytes?: (bytesRead: number) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let header: string[] | null = null;
    let rows = 0;
    let failed = false;
    const fail = (error: unknown, parser?: Papa.Parser) => {
      if (failed) return;
      failed = true;
      parser?.abort();
      input.destroy();
      reject(error);
    };
    const input = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
    input.on("error", (error) => fail(new InputError("unreadable_input", `${file}: ${error.message}`)));
    Papa.parse<string[]>(input, {
      header: false,
      skipEmptyLines: false,
      step(result, parser) {
        if (failed) return;
        const fields = result.data;
        if (header === null) {
          header = fields;
          const missing = required.filter((c) => !fields.includes(c));
          if (missing.length > 0)
            fail(new InputError("bad_header", `${file} line 1: missing column ${missing.join(", ")}`), parser);
          return;
        }
        rows += 1;
        const line = rows + 1;
        if (onBytes && rows % 5000 === 0) onBytes(input.bytesRead);
        let entry: CsvEntry;
        if (fields.length === header.length) {
          const row: Record<string, string> = {};
          for (let i = 0; i < header.length; i++) row[header[i] as string] = fields[i] as string;
          entry = { line, row, raw: csvRecord(fields) };
        } else {
          const blank = fields.length === 1 && fields[0] === "";
          const reason = blank ? "blank line" : `expected ${header.length} columns, found ${fields.length}`;
          entry = { line, row: null, raw: csvRecord(fields), reason };
        }
        const pending = onEntry(entry);
        if (pending) {
          // In step mode parser.pause() stops the parser but not the file stream,
          // which would queue the rest of the file in memory: pause both.
          parser.pause();
          input.pause();
          pending.then(
            () => {
              input.resume();
              parser.resume();
            },
            (error) => fail(error, parser),
          );
        }
      },
      complete() {
        if (failed) return;
        if (header === null) fail(new InputError("bad_header", `${file} line 1: empty file, no header row`));
        else {
          onBytes?.(input.bytesRead);
          resolve(rows);
        }
      },
      error(error: Error) {
        fail(new InputError("unreadable_input", `${file}: ${error.message}`));
      },
    });
  });
}

/** One CSV record per RFC 4180, ending in CRLF. */
export function csvLine(fields: readonly string[]): string {
  return `${csvRecord(fields)}\r\n`;
}

/** One CSV record per RFC 4180, without a line end. */
export function csvRecord(fields: readonly string[]): string {
  let line = "";
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (i > 0) line += ",";
    line += /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
  }
  return line;
}

export function closeStream(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
