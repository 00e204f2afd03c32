import { isAscii } from "node:buffer";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { removeAbandonedSpills, SpillFiles } from "@billing/ingest";
import fc from "fast-check";
import { expect, it } from "vitest";
import { FIELD_LENGTHS, spilledLines, spilledReader } from "../src/spill-lines.js";

it("removes the spill folders of this host's processes that are gone, and only those", () => {
  const dir = mkdtempSync(join(tmpdir(), "spill-test-"));
  try {
    // Pids above the kernel's limit (4,194,304) never run.
    const names = [
      `billing-spill-${hostname()}-${process.pid}-aaaaaa`,
      `billing-spill-${hostname()}-99999999-bbbbbb`,
      `billing-spill-another-host-99999999-cccccc`,
      "billing-crash-dddddd",
    ];
    for (const name of names) mkdirSync(join(dir, name));
    removeAbandonedSpills(dir);
    expect(readdirSync(dir).sort()).toEqual([names[3], names[2], names[0]].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let keys = 0;

/** A row's bytes as readCsv hands them over, its fields at `starts` (the last one past the row's end), amid other bytes. */
function rowBytes(fields: readonly string[]): { bytes: Buffer; starts: Int32Array } {
  const bytes = Buffer.from(`xx${fields.join(",")}yy`);
  const starts = new Int32Array(fields.length + 1);
  starts[0] = 2;
  for (const [i, field] of fields.entries()) starts[i + 1] = (starts[i] as number) + Buffer.byteLength(field) + 1;
  return { bytes, starts };
}

// Fields as readCsv hands them over as bytes: no comma, quote or line feed; any other character, a CR or tab too.
const field = fc.string({ unit: fc.constantFrom("1", "a", "\t", "\r", "中", "é", "\u{1F600}"), maxLength: 30 });
const fieldsOf = fc.oneof(
  fc.array(field, { minLength: 1, maxLength: 12 }),
  // Rows with too many fields, or a field too long, for an `L` row.
  fc.array(fc.constant("1"), { minLength: 70, maxLength: 90 }),
  fc.tuple(field, fc.string({ unit: fc.constantFrom("1", "é"), minLength: 60, maxLength: 120 })),
  fc.tuple(
    field,
    fc.constantFrom(FIELD_LENGTHS.most, FIELD_LENGTHS.most + 1).map((n) => "1".repeat(n)),
  ),
);

it("appends a row from its bytes with its fields' lengths, or as it is when they do not fit, and reads it back", () => {
  const spill = new SpillFiles();
  try {
    fc.assert(
      fc.property(fc.array(fieldsOf, { maxLength: 20 }), (rows) => {
        const key = `${keys++}`;
        let lines = "";
        for (const [i, fields] of rows.entries()) {
          const line = i % 2 === 0 ? 10 ** (i % 8) : i === 1 ? 0 : i * 997;
          const { bytes, starts } = rowBytes(fields);
          spill.appendRow(key, ["13800000000", "\t", i % 4, "\t", line, "\t"], bytes, starts);
          const lengths = fields.map((f) => Buffer.byteLength(f));
          const fits = fields.length <= FIELD_LENGTHS.most && lengths.every((n) => n <= FIELD_LENGTHS.most);
          const char = (n: number) => String.fromCharCode(FIELD_LENGTHS.zero + n);
          const form = fits ? `L${char(fields.length)}${lengths.map(char).join("")}` : "R";
          lines += `13800000000\t${i % 4}\t${line}\t${form}${fields.join(",")}\n`;
        }
        spill.flush();
        const read = spill.read(key);
        expect(read.text).toBe(lines);
        expect(read.latin1).toBe(isAscii(Buffer.from(lines)));
      }),
      { numRuns: 200 },
    );
  } finally {
    spill.remove();
  }
});

it("reads a row's fields from its spilled line alike, by their lengths or at its commas", () => {
  const spill = new SpillFiles();
  try {
    fc.assert(
      fc.property(fc.array(fieldsOf, { minLength: 1, maxLength: 10 }), fc.boolean(), (rows, plain) => {
        const key = `${keys++}`;
        const written = plain
          ? rows.map((fields) => fields.map((f) => [...f].map((c) => (isAscii(Buffer.from(c)) ? c : "a")).join("")))
          : rows;
        for (const [i, fields] of written.entries()) {
          const { bytes, starts } = rowBytes(fields);
          spill.appendRow(key, ["13800000000", "\t", 0, "\t", i + 2, "\t"], bytes, starts);
        }
        spill.flush();
        const lines = spilledLines([spill.read(key)]);
        const width = Math.max(...written.map((f) => f.length));
        const columns = Array.from({ length: width }, (_, c) => `c${c}`);
        const read = spilledReader(columns, [columns.map((_, c) => c)]);
        for (const [i, at] of lines.starts.entries()) {
          const fields = written[i] as string[];
          const row = read(lines.text, lines.latin1, at);
          expect(row.line).toBe(i + 2);
          expect(row.raw()).toBe(fields.join(","));
          const spans = row.fields;
          const got = columns.map((_, c) => spans.text.slice(spans.starts[c], spans.ends[c]));
          expect(got).toEqual(columns.map((_, c) => fields[c] ?? ""));
        }
      }),
      { numRuns: 200 },
    );
  } finally {
    spill.remove();
  }
});

it("reads a key's lines from several spills as one text, in file and line order", () => {
  const spills = [new SpillFiles(), new SpillFiles()];
  let keys = 0;
  try {
    // A file's first half spilled to one, its second half to the other: each in order, the two interleaved by file.
    const position = fc.tuple(fc.nat(3), fc.nat(1_000_000));
    fc.assert(
      fc.property(fc.uniqueArray(position, { selector: ([f, l]) => `${f}.${l}` }), fc.nat(), (positions, seed) => {
        const key = `k${keys++}`;
        const sorted = [...positions].sort(([f1, l1], [f2, l2]) => f1 - f2 || l1 - l2);
        for (const [i, [file, line]] of sorted.entries())
          (spills[(i * 7 + seed) % 2 === 0 || file % 2 === 0 ? 0 : 1] as SpillFiles).append(
            key,
            `13800000000\t${file}\t${line}\tR${file},${line}\n`,
          );
        for (const spill of spills) spill.flush();
        const { text, starts } = spilledLines(spills.map((s) => s.read(key)));
        expect(starts.map((at) => text.slice(at, text.indexOf("\n", at)).split("\t")[3])).toEqual(
          sorted.map(([file, line]) => `R${file},${line}`),
        );
      }),
      { numRuns: 100 },
    );
  } finally {
    for (const spill of spills) spill.remove();
  }
});

it("keeps its buffers within 32 MB however many keys it spills to, and every line reaches its key", () => {
  const spill = new SpillFiles();
  try {
    const keys = Array.from({ length: 400 }, (_, i) => `2026-09.${i}.cdr`);
    let most = 0;
    for (let round = 0; round < 3; round++) {
      for (const [i, key] of keys.entries()) {
        spill.append(key, `${"x".repeat(i % 50)}${round}\n`);
        most = Math.max(most, spill.bufferedBytes());
      }
    }
    spill.flush();
    expect(most).toBeLessThanOrEqual(32 << 20);
    // 400 buffers of 256 KB would be 100 MB; they were halved as keys came.
    expect(most).toBeGreaterThan(16 << 20);
    for (const [i, key] of keys.entries()) {
      const x = "x".repeat(i % 50);
      expect(spill.read(key).text).toBe(`${x}0\n${x}1\n${x}2\n`);
    }
  } finally {
    spill.remove();
  }
});
