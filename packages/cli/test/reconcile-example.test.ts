import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCsv } from "./generated.js";
import { REPO, runCli } from "./run-cli.js";

const EXAMPLE = join(REPO, "test-data/basic");
const EXPECTED = join(REPO, "test-data/basic-expected");

/** The expected rows in the spec's columns, and ours cut down to those columns. */
function compareToExpected(name: string, outDir: string) {
  const expected = readCsv(join(EXPECTED, `${name}.csv`));
  const columns = Object.keys(expected[0] ?? {});
  const ours = readCsv(join(outDir, `${name}.csv`)).map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
  return { ours, expected };
}

describe.each(DATABASE_KINDS)("billing reconcile on the worked example, %s", (kind) => {
  let scratch: ScratchDatabase | undefined;
  let work: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-e2e-"));
    if (kind === "postgres") {
      scratch = await scratchDatabase("postgres");
      env = { DATABASE_URL: scratch.url as string };
    } else {
      env = { BILLING_DATA_DIR: join(work, "data") };
    }
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("reproduces expected/discrepancies.csv and expected/credits.csv exactly", async () => {
    const out = join(work, "first");
    const result = await runCli(["reconcile", "--in", EXAMPLE, "--out", out], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const d = compareToExpected("discrepancies", out);
    expect(d.ours).toEqual(d.expected);
    const c = compareToExpected("credits", out);
    expect(c.ours).toEqual(c.expected);
    expect(readCsv(join(out, "discrepancies.csv")).every((r) => r.explanation !== "")).toBe(true);
    const credits = readCsv(join(out, "credits.csv"));
    expect(new Set(credits.map((r) => r.idempotency_key)).size).toBe(credits.length);
    expect(credits.every((r) => /^CR-[0-9a-f]{24}$/.test(r.credit_id as string))).toBe(true);
  });

  it("quarantines the repeated V13 at its line, and the counts add up", async () => {
    const out = join(work, "first");
    expect(readFileSync(join(out, "quarantine.csv"), "utf8")).toBe(
      "file,line,reason,raw\r\n" +
        'cdr-20260930.csv,22,duplicate record_id V13,"V13,13500100003,voice,out,13805710001,2026-09-12T11:00:00+08:00,45,,,010"\r\n',
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.cdrs).toMatchObject({
      read: 22,
      rated: 20,
      quarantined: 1,
      duplicates: 1,
      adds_up: true,
      unratable: { no_plan: 1, unknown_destination: 1 },
    });
    expect(summary.credits).toMatchObject({ issued: 9, refund: "20.10", overcharge: "10.05" });
    expect(summary.discrepancies.overcharge).toMatchObject({ count: 5, refund: "7.02" });
    expect(summary.inputs["boss-bill-202609.csv"]).toMatchObject({ rows: 25, quarantined: 0 });
  });

  it("names the SHA-256 of every input in the summary", () => {
    const summary = JSON.parse(readFileSync(join(work, "first", "summary.json"), "utf8"));
    for (const name of ["cdr-20260930.csv", "boss-bill-202609.csv"])
      expect(summary.inputs[name].sha256).toBe(
        createHash("sha256")
          .update(readFileSync(join(EXAMPLE, name)))
          .digest("hex"),
      );
  });

  it("a second run over the same inputs issues no credit", async () => {
    const out = join(work, "second");
    const result = await runCli(["reconcile", "--in", EXAMPLE, "--out", out], env);
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, "credits.csv"), "utf8")).toBe(
      "credit_id,account_id,msisdn,bill_month,item_key,class,overcharge,refund,settle_to,idempotency_key\r\n",
    );
    expect(readFileSync(join(out, "discrepancies.csv"), "utf8")).toBe(
      readFileSync(join(work, "first", "discrepancies.csv"), "utf8"),
    );
  });

  it("reads quoted fields and a repeated subscription row as the plain ones", async () => {
    const quoted = join(work, "quoted-in");
    cpSync(EXAMPLE, quoted, { recursive: true });
    const cdrs = join(quoted, "cdr-20260930.csv");
    // The quoted line is read as RFC 4180 within its line, and spilled as JSON.
    writeFileSync(cdrs, readFileSync(cdrs, "utf8").replace("V02,13805710001,", '"V02","13805710001",'));
    const subscriptions = join(quoted, "subscriptions.csv");
    const rows = readFileSync(subscriptions, "utf8");
    writeFileSync(subscriptions, `${rows}${rows.split("\n")[1]}\n`);
    const out = join(work, "quoted");
    const result = await runCli(["reconcile", "--in", quoted, "--out", out], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, "discrepancies.csv"), "utf8")).toBe(
      readFileSync(join(work, "first", "discrepancies.csv"), "utf8"),
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.cdrs).toMatchObject({ read: 22, rated: 20, quarantined: 1, duplicates: 1, adds_up: true });
  });

  it("a refused catalogue stops the run with every problem listed and exit 1", async () => {
    const bad = join(work, "bad-in");
    cpSync(EXAMPLE, bad, { recursive: true });
    const tariffs = JSON.parse(readFileSync(join(bad, "tariffs.json"), "utf8"));
    tariffs.plans[0].effective_from = "2026-01-15";
    tariffs.plans[1].voice.ld_out.unit_s = 0;
    writeFileSync(join(bad, "tariffs.json"), JSON.stringify(tariffs));
    const result = await runCli(["reconcile", "--in", bad, "--out", join(work, "bad-out")], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("tariffs.json refused: 2 problem(s)");
    expect(result.stderr).toContain("plans[0].effective_from: must be the first day of a month");
    expect(result.stderr).toContain("plans[1].voice.ld_out.unit_s: must be a positive whole number");
  });

  it("a missing input folder is reported in one line with exit 1", async () => {
    const result = await runCli(["reconcile", "--in", join(work, "nope"), "--out", join(work, "x")], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^billing reconcile: cannot read input folder/);
  });
});
