import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { expect, it } from "vitest";
import { removeAbandonedSpills, SpillFiles } from "../src/spill.js";

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
        for (const [i, raw] of rows.entries()) {
          const line = i % 2 === 0 ? 10 ** (i % 8) : i === 1 ? 0 : i * 997;
          const bytes = Buffer.from(`xx${raw}yy`);
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
        expect(spill.lines(`${key}.bytes`)).toEqual(spill.lines(`${key}.text`));
      }),
      { numRuns: 200 },
    );
  } finally {
    spill.remove();
  }
});
