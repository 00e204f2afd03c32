import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATABASE_KINDS, scratchDatabase } from "@billing/db/testing";
import { parseStoredRecords } from "@billing/formats";
import { reconcile } from "@billing/nightly";
import { describe, expect, it } from "vitest";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));

describe.each(DATABASE_KINDS)("subscriber-months stored as a plain array of records, on %s", (kind) => {
  it("are read, merged with a later delivery and stored again as {sources, records}", async () => {
    const scratch = await scratchDatabase(kind);
    const out = mkdtempSync(join(tmpdir(), "billing-stored-"));
    try {
      const db = scratch.database.db;
      const run = (runId: string) =>
        reconcile({ inDir: EXAMPLE, outDir: join(out, runId), database: scratch.database, runId });
      const stored = () =>
        db.selectFrom("usage_months").select(["bill_month", "msisdn", "records"]).orderBy("msisdn").execute();
      await run("first");
      const first = await stored();
      expect(first.length).toBeGreaterThan(0);
      // The form rows had before StoredUsage (migration 0004 and the runs until it).
      for (const row of first) {
        await db
          .updateTable("usage_months")
          .set({ records: JSON.stringify(parseStoredRecords(row.records)) })
          .where("bill_month", "=", row.bill_month)
          .where("msisdn", "=", row.msisdn)
          .execute();
      }
      const second = await run("second");
      const merged = await stored();
      expect(merged.map((r) => Object.keys(JSON.parse(r.records)))).toEqual(merged.map(() => ["sources", "records"]));
      // Every record was delivered again, so each now names the second run; none is lost or repeated.
      expect(merged.map((r) => parseStoredRecords(r.records).map((record) => [record[0], record[11]]))).toEqual(
        first.map((r) => parseStoredRecords(r.records).map((record) => [record[0], "second"])),
      );
      expect(second.credits.issued).toBe(0);
      const discrepancies = (runId: string) => readFileSync(join(out, runId, "discrepancies.csv"), "utf8");
      expect(discrepancies("second")).toBe(discrepancies("first"));
    } finally {
      rmSync(out, { recursive: true, force: true });
      await scratch.drop();
    }
  });
});
