import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BillingDatabase } from "@billing/db";
import { scratchDatabase } from "@billing/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateInto } from "./generated.js";
import { runCli } from "./run-cli.js";

const TABLES = ["usage_months", "bill_months", "discrepancies"] as const;

/** Rows each table holds, and rows the server has read of it by any scan (counted by its statistics). */
async function rowsAndReads(database: BillingDatabase): Promise<Record<string, { rows: number; reads: number }>> {
  const out: Record<string, { rows: number; reads: number }> = {};
  for (const table of TABLES) {
    const { rows } = await sql<{ rows: number; reads: number }>`
      SELECT (SELECT count(*) FROM ${sql.table(table)})::int AS rows,
             (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int AS reads
      FROM pg_stat_user_tables WHERE relname = ${table}`.execute(database.db);
    out[table] = rows[0] as { rows: number; reads: number };
  }
  return out;
}

// A bill month new to a table has no statistics; looked up by `bill_month = $1 AND msisdn = ANY($2)`
// alone, the server read every stored row of the month for each chunk, so a run cost the square of its size.
// Statistics are counted by the server only (PGlite runs the same SQL through the same planner).
describe("a run's lookups of stored subscriber-months, on the PostgreSQL server", () => {
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-lookups-"));
    await generateInto(join(work, "in"), 3000, "2026-09", "11");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("read each stored row at most five times over a run and its rerun, however many chunks the month is rated in", async () => {
    const scratch = await scratchDatabase("postgres");
    const url = scratch.url as string;
    try {
      const run = (name: string) =>
        runCli(["reconcile", "--in", join(work, "in"), "--out", join(work, name), "--chunk-size", "100"], {
          DATABASE_URL: url,
        });
      const first = await run("first");
      expect(first.code, first.stderr).toBe(0);
      // The rerun reads, locks and replaces every stored month: the merge path.
      const again = await run("again");
      expect(again.code, again.stderr).toBe(0);
      const seen = await rowsAndReads(scratch.database);
      expect(seen.usage_months?.rows).toBeGreaterThan(2900);
      for (const table of TABLES) {
        const { rows, reads } = seen[table] as { rows: number; reads: number };
        expect(reads, `${table}: ${reads} rows read for ${rows} stored`).toBeLessThanOrEqual(5 * rows);
      }
    } finally {
      await scratch.drop();
    }
  });
});
