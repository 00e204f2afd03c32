import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discrepancyKeys, generateInto, injectedKeys, readCsv, sumCents } from "./generated.js";
import { runCli } from "./run-cli.js";

const REFUNDING = new Set([
  "overcharge",
  "phantom_charge",
  "duplicate_billing",
  "duplicate_usage",
  "unconfirmed_subscription",
]);

describe.each(DATABASE_KINDS)("billing reconcile on generated data with injected errors, %s", (kind) => {
  let scratch: ScratchDatabase | undefined;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const input = () => join(work, "in");
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-gen-"));
    await generateInto(input(), 300, "2026-08,2026-09");
    if (kind === "postgres") {
      scratch = await scratchDatabase("postgres");
      env = { DATABASE_URL: scratch.url as string };
    } else env = { BILLING_DATA_DIR: join(work, "data") };
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("finds exactly the injected errors, quarantines exactly the bad rows, and credits every refund", async () => {
    const out = join(work, "out");
    const result = await runCli(["reconcile", "--in", input(), "--out", out], env);
    expect(result.code, result.stderr).toBe(0);
    const injected = injectedKeys(input());
    expect(injected.length).toBeGreaterThan(100);
    expect(discrepancyKeys(readCsv(join(out, "discrepancies.csv")))).toEqual(injected);
    const generated = JSON.parse(readFileSync(join(input(), "generated.json"), "utf8"));
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.cdrs.quarantined).toBe(generated.quarantinable);
    expect(summary.cdrs.adds_up).toBe(true);
    for (const [cls, n] of Object.entries(generated.injected)) expect(summary.discrepancies[cls].count).toBe(n);
    const owed = readCsv(join(input(), "injected-errors.csv")).filter((r) => REFUNDING.has(r.class as string));
    const credits = readCsv(join(out, "credits.csv"));
    expect(credits).toHaveLength(owed.length);
    const overcharge = owed.reduce(
      (n, r) => n + sumCents([r], "billed") - (r.class === "overcharge" ? sumCents([r], "expected") : 0),
      0,
    );
    expect(sumCents(credits, "refund")).toBe(2 * overcharge);
    const report = readFileSync(join(out, "report.html"), "utf8");
    expect(report).toContain("<svg");
    expect(report).toContain("Every subscriber-month owing a refund");
    // Every subscriber-month owing a refund is a row, with the replay to run.
    const months = new Set(owed.map((r) => `${r.msisdn} --month ${r.bill_month}`));
    for (const m of months) expect(report).toContain(`billing replay --msisdn ${m}`);
    // One file that opens offline: nothing fetched, its one script inline.
    expect(report).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(report).not.toMatch(/<script[^>]*src=/);
  });

  it("a rerun issues nothing and reports the same discrepancies", async () => {
    const out = join(work, "rerun");
    expect((await runCli(["reconcile", "--in", input(), "--out", out], env)).code).toBe(0);
    expect(readCsv(join(out, "credits.csv"))).toEqual([]);
    expect(discrepancyKeys(readCsv(join(out, "discrepancies.csv")))).toEqual(injectedKeys(input()));
  });
});
