import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadReplayInputs } from "@billing/db";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { reconcile } from "@billing/nightly";
import { reconcileStored } from "@billing/reconciliation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
const HEADER = "msisdn,account_id,plan_id,active_from,active_to,home_area,vpmn_group,payment";

// formats.md: periods of one msisdn must not overlap, across nights as within a file.
describe.each(DATABASE_KINDS)("plan periods checked against the stored ones on later nights, on %s", (kind) => {
  let work: string;
  let scratch: ScratchDatabase;
  const night = async (name: string, subscribers: string[]) => {
    const input = join(work, name);
    cpSync(EXAMPLE, input, { recursive: true });
    writeFileSync(join(input, "subscribers.csv"), `${[HEADER, ...subscribers].join("\r\n")}\r\n`);
    await reconcile({ inDir: input, outDir: `${input}-out`, database: scratch.database, runId: name });
    return readFileSync(join(`${input}-out`, "quarantine.csv"), "utf8");
  };
  const periods = async () =>
    (
      await scratch.database.db
        .selectFrom("subscriber_periods")
        .select(["plan_id", "active_from", "active_to"])
        .where("msisdn", "=", "13805710001")
        .orderBy("active_from")
        .execute()
    ).map((p) => `${p.plan_id} ${p.active_from} ${p.active_to ?? ""}`);
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-stored-periods-"));
    scratch = await scratchDatabase(kind);
    await reconcile({ inDir: EXAMPLE, outDir: join(work, "first-out"), database: scratch.database, runId: "first" });
  }, 60_000);
  afterAll(async () => {
    await scratch.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("a period overlapping a stored one is quarantined naming it, and never stored or rated", async () => {
    const before = reconcileStored(await loadReplayInputs(scratch.database, "13805710001", "2026-09"));
    const quarantine = await night("overlap", ["13805710001,A1,EZ18,2026-08-01,,0571,,postpaid"]);
    expect(quarantine).toContain(
      'subscribers.csv,2,overlaps the stored period of 13805710001 from 2024-01-01 (GT58),"13805710001,A1,EZ18,2026-08-01,,0571,,postpaid"',
    );
    expect(await periods()).toEqual(["GT58 2024-01-01 "]);
    const after = reconcileStored(await loadReplayInputs(scratch.database, "13805710001", "2026-09"));
    expect(after.diff.discrepancies.map((d) => d.itemKey)).not.toContain("FEE:EZ18");
    expect(after.plan.credits).toEqual([]);
    expect(before.plan.credits).toEqual([]);
  });

  it("a corrected period (same msisdn and active_from) replaces the stored one, and its successor follows", async () => {
    const quarantine = await night("corrected", [
      "13805710001,A1,GT58,2024-01-01,2026-10-01,0571,G1,postpaid",
      "13805710001,A1,EZ18,2026-10-01,,0571,,postpaid",
    ]);
    expect(quarantine).not.toContain("subscribers.csv");
    expect(await periods()).toEqual(["GT58 2024-01-01 2026-10-01", "EZ18 2026-10-01 "]);
  });
});
