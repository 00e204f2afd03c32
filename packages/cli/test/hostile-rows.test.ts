import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATABASE_KINDS, scratchDatabase } from "@billing/db/testing";
import { reconcile } from "@billing/nightly";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCsv } from "./generated.js";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
const CDRS = "cdr-20260930.csv";
const BILL = "boss-bill-202609.csv";
const V02 = "V02,13805710001,voice,out,01066668888,2026-09-01T10:00:00+08:00,61,,,0571";

/** One row of the worked example changed, as bytes (latin1 keeps every byte as written). */
const cases: [name: string, file: string, from: string, to: string, reason: RegExp][] = [
  ["a NUL byte in a field", CDRS, V02, V02.replace("0106666", "0106666\u0000"), /NUL byte/],
  ["bytes that are not UTF-8", CDRS, V02, V02.replace("0106666", "0106666\u00ff\u00fe"), /not valid UTF-8/],
  [
    "a bill amount of 999999999999.99",
    BILL,
    "2026-09,13805710001,V02,0.50",
    "2026-09,13805710001,V02,999999999999.99",
    /more than a bill line can be/,
  ],
  ["a duration of 999999999999999 s", CDRS, V02, V02.replace(",61,", ",999999999999999,"), /longer than a month/],
  ["a start in year 0999", CDRS, V02, V02.replace("2026-09-01", "0999-09-01"), /in 2000-2099/],
  ["a start on 0000-01-01", CDRS, V02, V02.replace("2026-09-01", "0000-01-01"), /in 2000-2099/],
  ["a record_id of 2 MB", CDRS, V02, V02.replace("V02", "R".repeat(2 << 20)), /record_id must be 1-64 characters/],
];

// formats.md: every byte a file can hold quarantines its row, and the rest of the run goes on.
describe.each(DATABASE_KINDS)("one hostile row never stops the night, on %s", (kind) => {
  let work: string;
  let baseCredits: Set<string>;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-hostile-"));
    const scratch = await scratchDatabase(kind);
    try {
      await reconcile({ inDir: EXAMPLE, outDir: join(work, "base"), database: scratch.database, runId: "base" });
    } finally {
      await scratch.drop();
    }
    baseCredits = new Set(readCsv(join(work, "base", "credits.csv")).map((c) => c.idempotency_key as string));
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(cases)(
    "%s: the row is quarantined with its reason, no refund is owed that the input without it does not owe",
    async (name, file, from, to, reason) => {
      const input = join(work, name.replace(/\W+/g, "-"));
      cpSync(EXAMPLE, input, { recursive: true });
      const text = readFileSync(join(input, file), "latin1");
      expect(text).toContain(from);
      writeFileSync(join(input, file), text.replace(from, to), "latin1");
      const out = `${input}-out`;
      const scratch = await scratchDatabase(kind);
      try {
        const summary = await reconcile({ inDir: input, outDir: out, database: scratch.database, runId: "hostile" });
        expect(summary.cdrs.adds_up).toBe(true);
      } finally {
        await scratch.drop();
      }
      const quarantined = readCsv(join(out, "quarantine.csv")).filter(
        (q) => q.file === file && q.line === (file === CDRS ? "3" : "6"),
      );
      expect(quarantined).toHaveLength(1);
      expect(quarantined[0]?.reason).toMatch(reason);
      for (const c of readCsv(join(out, "credits.csv")))
        expect(baseCredits.has(c.idempotency_key as string), c.item_key).toBe(true);
    },
  );
});
