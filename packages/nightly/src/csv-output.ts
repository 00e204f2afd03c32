import { createWriteStream, type WriteStream } from "node:fs";
import { csvLine } from "@billing/formats";

export function closeStream(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** A CSV output file written row by row (RFC 4180, CRLF). */
export class CsvOutput {
  private readonly out: WriteStream;
  rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.out = createWriteStream(path);
    this.out.write(csvLine(header));
  }

  /** Writes a row; returns a promise only when the stream's buffer is full and the caller should wait. */
  write(fields: readonly string[]): Promise<void> | undefined {
    this.rows += 1;
    if (this.out.write(csvLine(fields))) return undefined;
    return new Promise((resolve) => this.out.once("drain", resolve));
  }

  close(): Promise<void> {
    return closeStream(this.out);
  }
}
