import { readFileSync, writeFileSync } from "node:fs";

/** A CSV input file as Latin-1 lines, each with its own line end, so that mutations keep every other byte. */
export class InputFile {
  readonly header: readonly string[];
  readonly lines: string[];
  readonly ends: string[];

  constructor(readonly path: string) {
    const text = readFileSync(path, "latin1");
    this.lines = [];
    this.ends = [];
    for (const match of text.matchAll(/([^\r\n]*)(\r\n|\r|\n|$)/g)) {
      if (match[0] === "") break;
      this.lines.push(match[1] as string);
      this.ends.push(match[2] as string);
    }
    this.header = (this.lines[0] as string).replace(/^\xef\xbb\xbf/, "").split(",");
  }

  /** The fields of line `index` (0 is the header) by column name; undefined for a line holding a quote. */
  fields(index: number): Record<string, string> | undefined {
    const line = this.lines[index] as string;
    if (line.includes('"')) return undefined;
    const values = line.split(",");
    return Object.fromEntries(this.header.map((name, i) => [name, values[i] ?? ""]));
  }

  setField(index: number, column: string, value: string): void {
    const values = (this.lines[index] as string).split(",");
    values[this.header.indexOf(column)] = value;
    this.lines[index] = values.join(",");
  }

  write(path = this.path): void {
    writeFileSync(path, this.lines.map((line, i) => line + this.ends[i]).join(""), "latin1");
  }

  /** The byte offset where line `index` starts. */
  offsetOf(index: number): number {
    let at = 0;
    for (let i = 0; i < index; i++) at += (this.lines[i] as string).length + (this.ends[i] as string).length;
    return at;
  }
}
