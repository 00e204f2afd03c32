import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { removeAbandonedSpills, SpillFiles } from "../src/spill.js";
import { spilledLines } from "../src/spill-usage.js";

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

it("appends a line from bytes as it appends the same line from text", () => {
  const spill = new SpillFiles();
  try {
    // Rows as readCsv hands them over as bytes: no quote, no line feed; any other character, a CR or tab too.
    const row = fc.string({ unit: fc.constantFrom("1", "a", ",", "\t", "\r", "中", "é", "\u{1F600}"), maxLength: 40 });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const key = `${keys++}`;
        let lines = "";
        for (const [i, raw] of rows.entries()) {
          const line = i % 2 === 0 ? 10 ** (i % 8) : i === 1 ? 0 : i * 997;
          const bytes = Buffer.from(`xx${raw}yy`);
          lines += `13800000000\t${i % 4}\t${line}\tR${raw}\n`;
          spill.append(`${key}.text`, `13800000000\t${i % 4}\t${line}\tR${raw}\n`);
          spill.appendBytes(
            `${key}.bytes`,
            ["13800000000", "\t", i % 4, "\t", line, "\tR"],
            bytes,
            2,
            bytes.length - 2,
          );
        }
        spill.flush();
        // Read back as written, whether all ASCII or not.
        expect(spill.text(`${key}.text`)).toBe(lines);
        expect(spill.text(`${key}.bytes`)).toBe(lines);
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
        const { text, starts } = spilledLines(spills, key);
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
