import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { reconcile } from "@billing/nightly";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateInto, readCsv } from "./generated.js";

/** This process's spill folders (the run here is in-process). */
const ownSpills = () =>
  readdirSync(tmpdir()).filter((n) => n.startsWith(`billing-spill-${hostname()}-${process.pid}-`));

describe.each(DATABASE_KINDS)("storing the reference data, on %s", (kind) => {
  let scratch: ScratchDatabase;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-reference-"));
    // Over 1 MB of CDRs, so that on a server the reading (in two halves) and the storing overlap.
    await generateInto(join(work, "in"), 400, "2026-09");
    scratch = await scratchDatabase(kind);
  });
  afterAll(async () => {
    await scratch.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("fails the run when the database refuses the plan periods, issuing nothing and leaving no spill behind", async () => {
    const db = scratch.database.db;
    // A refusal by the database itself, as a full disk or a lost connection would give.
    await sql`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$`.execute(db);
    await sql`CREATE TRIGGER refuse BEFORE INSERT ON subscriber_periods FOR EACH ROW EXECUTE FUNCTION refuse()`.execute(
      db,
    );
    const spillsBefore = ownSpills();
    const options = {
      inDir: join(work, "in"),
      database: scratch.database,
      splitReading: { minBytes: 1 << 20, inline: true },
    };
    await expect(reconcile({ ...options, outDir: join(work, "refused"), runId: "refused" })).rejects.toThrow(
      /refused by the test/,
    );
    const runs = await db.selectFrom("runs").select(["run_id", "status"]).execute();
    expect(runs).toEqual([{ run_id: "refused", status: "failed" }]);
    expect((await db.selectFrom("credit_ledger").select("credit_id").execute()).length).toBe(0);
    expect(ownSpills()).toEqual(spillsBefore);

    await sql`DROP TRIGGER refuse ON subscriber_periods`.execute(db);
    const summary = await reconcile({ ...options, outDir: join(work, "stored"), runId: "stored" });
    expect(summary.cdrs.adds_up).toBe(true);
    expect(readCsv(join(work, "stored", "credits.csv")).length).toBeGreaterThan(0);
    const periods = await db.selectFrom("subscriber_periods").select("msisdn").execute();
    expect(new Set(periods.map((p) => p.msisdn)).size).toBeGreaterThan(350);
  });
});
