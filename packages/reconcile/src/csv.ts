import { createReadStream, type WriteStream } from "node:fs";
import { parse } from "fast-csv";
import { InputError } from "./errors.js";
import type { Row } from "./row-parsers.js";

/** A data row of a CSV file, or why it is not one. `line` counts the header as line 1. */
export type CsvEntry =
  | { readonly line: number; readonly row: Row; readonly raw: string }
  | { readonly line: number; readonly row: null; readonly raw: string; readonly reason: string };

/**
 * Streams a CSV file (RFC 4180, header row, columns in any order, extra
 * columns ignored) to `onEntry`. When `onEntry` returns a promise, reading
 * pauses until it settles, so a slow database never makes rows pile up.
 * A header lacking a required column refuses the file.
 */
export function readCsv(
  path: string,
  file: string,
  required: readonly string[],
  onEntry: (entry: CsvEntry) => undefined | Promise<void>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let header: string[] = [];
    let rows = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      stream.destroy();
      reject(error);
    };
    const stream = parse({
      headers: (names: (string | null | undefined)[]) => {
        header = names.map((n) => n ?? "");
        const missing = required.filter((c) => !header.includes(c));
        if (missing.length > 0) {
          throw new InputError("bad_header", `${file} line 1: missing column ${missing.join(", ")}`);
        }
        return header;
      },
      strictColumnHandling: true,
    });
    const deliver = (entry: CsvEntry) => {
      const pending = onEntry(entry);
      if (pending) {
        stream.pause();
        pending.then(() => stream.resume(), fail);
      }
    };
    stream.on("data", (row: Record<string, string>) => {
      rows += 1;
      deliver({ line: rows + 1, row, raw: csvLine(header.map((h) => row[h] ?? "")) });
    });
    stream.on("data-invalid", (values: string[] | Record<string, string>, rowNumber: number) => {
      rows = rowNumber;
      const fields = Array.isArray(values) ? values : Object.values(values);
      const reason =
        fields.length === 0 || (fields.length === 1 && fields[0] === "")
          ? "blank line"
          : `expected ${header.length} columns, found ${fields.length}`;
      deliver({ line: rowNumber + 1, row: null, raw: csvLine(fields), reason });
    });
    stream.on("error", (error: Error) =>
      fail(error instanceof InputError ? error : new InputError("unreadable_input", `${file}: ${error.message}`)),
    );
    stream.on("end", () => {
      if (failed) return;
      if (header.length === 0) fail(new InputError("bad_header", `${file} line 1: empty file, no header row`));
      else resolve(rows);
    });
    createReadStream(path).on("error", fail).pipe(stream);
  });
}

/** One CSV record per RFC 4180, ending in CRLF. */
export function csvLine(fields: readonly string[]): string {
  let line = "";
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (i > 0) line += ",";
    line += /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
  }
  return `${line}\r\n`;
}

/** Writes a line, waiting for the stream to drain when its buffer is full. */
export async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line)) await new Promise<void>((resolve) => out.once("drain", resolve));
}

export function closeStream(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
