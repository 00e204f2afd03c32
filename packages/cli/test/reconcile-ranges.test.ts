import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { type ReconcileOptions, reconcile } from "@billing/nightly";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateInto, readCsv } from "./generated.js";

describe.each(DATABASE_KINDS)("a run split into many msisdn ranges, on %s", (kind) => {
  const scratches: ScratchDatabase[] = [];
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-ranges-"));
    await generateInto(join(work, "in"), 300, "2026-08,2026-09");
  });
  afterAll(async () => {
    for (const s of scratches) await s.drop();
    rmSync(work, { recursive: true, force: true });
  });

  const run = async (
    name: string,
    database: ScratchDatabase["database"],
    rangeBytes?: number,
    splitReading?: ReconcileOptions["splitReading"],
  ) => {
    const outDir = join(work, name);
    const summary = await reconcile({
      inDir: join(work, "in"),
      outDir,
      database,
      runId: name,
      rangeBytes,
      ...(splitReading && { splitReading }),
    });
    const read = (file: string) => readFileSync(join(outDir, file), "utf8");
    return {
      summary,
      discrepancies: read("discrepancies.csv"),
      credits: read("credits.csv"),
      quarantine: read("quarantine.csv"),
    };
  };

  it("writes the same outputs as one range, in the same order, and a rerun issues nothing", async () => {
    const one = await scratchDatabase(kind);
    const many = await scratchDatabase(kind);
    scratches.push(one, many);
    const whole = await run("one-range", one.database);
    // About 1 MB of input in 8 KB ranges: some hundred ranges, several months each.
    const split = await run("many-ranges", many.database, 8 << 10);
    expect(split.discrepancies).toBe(whole.discrepancies);
    expect(split.credits).toBe(whole.credits);
    expect(split.quarantine).toBe(whole.quarantine);
    expect(split.summary.cdrs).toEqual(whole.summary.cdrs);
    expect(readCsv(join(work, "many-ranges", "credits.csv")).length).toBeGreaterThan(50);

    const again = await run("many-ranges-again", many.database, 8 << 10);
    expect(again.discrepancies).toBe(whole.discrepancies);
    expect(readCsv(join(work, "many-ranges-again", "credits.csv"))).toEqual([]);
    expect(again.summary.cdrs).toEqual(whole.summary.cdrs);
  });

  it("writes the same outputs when each file is read in two halves", async () => {
    const one = await scratchDatabase(kind);
    const halves = await scratchDatabase(kind);
    scratches.push(one, halves);
    const whole = await run("whole-files", one.database);
    // The worker thread needs the built code (the CLI's tests take that way); here the second half is read after the first.
    const split = await run("halves", halves.database, 8 << 10, { minBytes: 64 << 10, inline: true });
    expect(split.discrepancies).toBe(whole.discrepancies);
    expect(split.credits).toBe(whole.credits);
    expect(split.quarantine).toBe(whole.quarantine);
    expect(split.summary.cdrs).toEqual(whole.summary.cdrs);
    expect(split.summary.quarantine).toEqual(whole.summary.quarantine);
    expect(split.summary.inputs).toEqual(whole.summary.inputs);
  });
});
