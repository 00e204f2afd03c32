import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadStatement } from "@billing/bill-query";
import { loadReplayInputs } from "@billing/db";
import { type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { generate } from "@billing/generate";
import { reconcile } from "@billing/nightly";
import { computeReplay } from "@billing/reconciliation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCsv } from "./generated.js";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));

/*
 * The golden test of reconcileSubscriberMonth: the nightly run, the auditor's
 * replay and the customer's statement reconcile one stored month through the
 * same function, so they give the same items, amounts and explanations.
 */
describe.each([
  ["the worked example", async (_dir: string) => EXAMPLE],
  [
    "a generated month",
    async (dir: string) => {
      const inDir = join(dir, "in");
      await generate({ outDir: inDir, subscribers: 120, months: ["2026-10"], seed: "golden", errorRate: 0.05 });
      return inDir;
    },
  ],
])("the nightly run, the replay and the statement agree on %s (in-process, in-memory PGlite)", (_name, input) => {
  let scratch: ScratchDatabase;
  let dir: string;
  let discrepancies: Record<string, string>[];
  beforeAll(async () => {
    scratch = await scratchDatabase("pglite");
    dir = mkdtempSync(join(tmpdir(), "billing-golden-"));
    const inDir = await input(dir);
    await reconcile({ inDir, outDir: join(dir, "out"), database: scratch.database, runId: "golden" });
    discrepancies = readCsv(join(dir, "out", "discrepancies.csv"));
  }, 120_000);
  afterAll(async () => {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists every discrepancy of the night in the replay, with its amounts, refund and explanation; nothing is still owed", async () => {
    const months = new Map<string, Record<string, string>[]>();
    for (const d of discrepancies) {
      const key = `${d.msisdn}|${d.bill_month}`;
      months.set(key, [...(months.get(key) ?? []), d]);
    }
    expect(months.size).toBeGreaterThan(0);
    for (const [key, nightly] of months) {
      const [msisdn, month] = key.split("|") as [string, string];
      const replay = computeReplay(await loadReplayInputs(scratch.database, msisdn, month));
      const replayed = replay.document.items
        .filter((i) => i.class !== "match" && i.class !== null)
        .map((i) => [i.item_key, i.class, i.billed ?? "", i.expected ?? "", i.refund_owed].join("|"))
        .sort();
      const night = nightly.map((d) => [d.item_key, d.class, d.billed, d.expected, d.refund].join("|")).sort();
      expect(replayed, key).toEqual(night);
      expect(replay.document.totals.refund_still_owed, key).toBe("0.00");
    }
  });

  it("shows the customer each record at the amount and rule the replay gives", async () => {
    const months = new Set(discrepancies.map((d) => `${d.msisdn}|${d.bill_month}`));
    for (const key of months) {
      const [msisdn, month] = key.split("|") as [string, string];
      const replay = computeReplay(await loadReplayInputs(scratch.database, msisdn, month));
      const statement = await loadStatement(scratch.database, msisdn, month);
      if (statement === null) continue;
      const byItem = new Map(replay.document.items.filter((i) => i.occurrence === 1).map((i) => [i.item_key, i]));
      for (const r of statement.records) {
        const item = byItem.get(r.recordId);
        expect(item, `${key} ${r.recordId}`).toBeDefined();
        if (r.charge !== null) expect(r.charge, `${key} ${r.recordId}`).toBe(item?.expected);
        expect(r.rule, `${key} ${r.recordId}`).toBe(item?.rule);
      }
    }
  });
});
