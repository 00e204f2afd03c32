import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BillingDatabase, openDatabase } from "@billing/db";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateInto, readCsv, sumCents } from "./generated.js";
import { CLI_MAIN, REPO, runCli } from "./run-cli.js";

const REFUNDING = new Set([
  "overcharge",
  "phantom_charge",
  "duplicate_billing",
  "duplicate_usage",
  "unconfirmed_subscription",
]);

/** Starts a reconcile run and SIGKILLs it the moment `ready` holds, polling every few milliseconds. */
function runAndKill(args: string[], env: NodeJS.ProcessEnv, ready: () => boolean): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: "", ...env },
      stdio: "ignore",
    });
    const timer = setInterval(() => {
      if (ready()) child.kill("SIGKILL");
    }, 2);
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      clearInterval(timer);
      resolve(signal);
    });
  });
}

const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
/** Bytes a run has spilled so far into its spill folder under `tmp` (the run's TMPDIR). */
const spilled = (tmp: string) => {
  try {
    return readdirSync(tmp)
      .filter((d) => d.startsWith("billing-spill-"))
      .flatMap((d) => readdirSync(join(tmp, d)).map((f) => size(join(tmp, d, f))))
      .reduce((a, b) => a + b, 0);
  } catch {
    return 0; // the folder is going away: the run is past its ingest
  }
};
const dataRows = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\r\n").length - 2 : 0);

describe.each(DATABASE_KINDS)("a run killed half way, then run again, on %s", (kind) => {
  let scratch: ScratchDatabase | undefined;
  let work: string;
  const input = () => join(work, "in");
  let expectedRefund = 0;
  let owedKeys = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-crash-"));
    await generateInto(input(), 600, "2026-09", "11");
    const owed = readCsv(join(input(), "injected-errors.csv")).filter((r) => REFUNDING.has(r.class as string));
    owedKeys = owed.length;
    expectedRefund = owed.reduce(
      (n, r) => n + 2 * (sumCents([r], "billed") - (r.class === "overcharge" ? sumCents([r], "expected") : 0)),
      0,
    );
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  async function fresh(name: string): Promise<{ env: NodeJS.ProcessEnv; open: () => Promise<BillingDatabase> }> {
    if (kind === "postgres") {
      await scratch?.drop();
      scratch = await scratchDatabase("postgres");
      const url = scratch.url as string;
      return { env: { DATABASE_URL: url }, open: () => openDatabase({ kind: "postgres", url }) };
    }
    const dataDir = join(work, `data-${name}`);
    return { env: { BILLING_DATA_DIR: dataDir }, open: () => openDatabase({ kind: "pglite", dataDir }) };
  }

  async function ledger(open: () => Promise<BillingDatabase>) {
    const database = await open();
    try {
      const { rows } = await sql<{
        credit_id: string;
        run_id: string;
        idempotency_key: string;
        issue_seq: number;
        refund: string;
      }>`select credit_id, run_id, idempotency_key, issue_seq, refund::text as refund from credit_ledger`.execute(
        database.db,
      );
      const runs = await database.db.selectFrom("runs").select(["run_id", "status"]).execute();
      return Object.assign(rows, { runs: new Map(runs.map((r) => [r.run_id, r.status])) });
    } finally {
      await database.close();
    }
  }

  it.each([
    // Spill files grow only while the input files are read.
    ["during ingest", (run: { out: string; tmp: string }) => spilled(run.tmp) > 256 << 10],
    [
      "after the first credits are committed",
      (run: { out: string; tmp: string }) => dataRows(join(run.out, "credits.csv.partial")) >= 1,
    ],
  ])("killed %s: each credit is issued exactly once, and delivered once in a credits.csv", async (name, when) => {
    const database = await fresh(name.replace(/\W+/g, "-"));
    const tmp = join(work, `tmp-${name.length}`);
    mkdirSync(tmp);
    const env = { ...database.env, TMPDIR: tmp };
    const open = database.open;
    const killedOut = join(work, `killed-${name.length}`);
    const args = (out: string, runId: string) => [
      "reconcile",
      "--in",
      input(),
      "--out",
      out,
      "--chunk-size",
      "20",
      "--run-id",
      runId,
    ];
    const signal = await runAndKill(args(killedOut, "killed"), env, () => when({ out: killedOut, tmp }));
    expect(signal).toBe("SIGKILL");
    expect(existsSync(join(killedOut, "summary.json"))).toBe(false);
    // Rating opens discrepancies.csv: a kill during ingest lands before it.
    if (name === "during ingest") expect(existsSync(join(killedOut, "discrepancies.csv"))).toBe(false);

    const againOut = join(work, `again-${name.length}`);
    const again = await runCli(args(againOut, "again"), env);
    expect(again.code, again.stderr).toBe(0);
    // The killed run's spill folder went with the run that came after it.
    expect(readdirSync(tmp).filter((d) => d.startsWith("billing-spill-"))).toEqual([]);

    const rows = await ledger(open);
    const keys = rows.map((r) => r.idempotency_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows.every((r) => r.issue_seq === 1)).toBe(true);
    expect(rows).toHaveLength(owedKeys);
    expect(sumCents(rows, "refund")).toBe(expectedRefund);
    const byKilled = rows.filter((r) => r.run_id === "killed");
    if (name.startsWith("after")) expect(byKilled.length).toBeGreaterThan(0);
    // The killed run delivered nothing: its file never got its name, and the run that came after lists its credits.
    expect(existsSync(join(killedOut, "credits.csv"))).toBe(false);
    expect(rows.runs.get("killed")).toBe("interrupted");
    const rerun = readCsv(join(againOut, "credits.csv"));
    expect(rerun.map((c) => c.credit_id).sort()).toEqual(rows.map((r) => r.credit_id).sort());
    if (byKilled.length > 0) expect(again.stdout).toContain(`lists ${byKilled.length} credit(s) of earlier runs`);

    const third = await runCli(args(join(work, `third-${name.length}`), "third"), env);
    expect(third.code).toBe(0);
    expect(readCsv(join(work, `third-${name.length}`, "credits.csv"))).toEqual([]);
  });

  it("killed again and again at seeded random moments: every credit of the ledger is in exactly one completed run's credits.csv", async () => {
    const database = await fresh("random-kills");
    const tmp = join(work, "tmp-random");
    mkdirSync(tmp);
    const env = { ...database.env, TMPDIR: tmp };
    const args = (out: string, runId: string) => [
      "reconcile",
      "--in",
      input(),
      "--out",
      out,
      "--chunk-size",
      "20",
      "--run-id",
      runId,
    ];
    // A seeded walk of kill times over a run's whole length, so every phase is hit on some seed.
    let seed = 20261201;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const outs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = join(work, `random-${i}`);
      outs.push(out);
      const started = Date.now();
      const delay = 300 + next() * 5_000;
      await runAndKill(args(out, `random-${i}`), env, () => Date.now() - started > delay);
    }
    const last = join(work, "random-last");
    outs.push(last);
    const final = await runCli(args(last, "random-last"), env);
    expect(final.code, final.stderr).toBe(0);

    const rows = await ledger(database.open);
    expect(rows).toHaveLength(owedKeys);
    const delivered = outs
      .filter((out) => existsSync(join(out, "credits.csv")))
      .flatMap((out) => readCsv(join(out, "credits.csv")).map((c) => c.credit_id as string));
    expect(delivered.length, "no credit delivered twice").toBe(new Set(delivered).size);
    expect([...delivered].sort()).toEqual(rows.map((r) => r.credit_id).sort());
    expect([...rows.runs.values()].filter((status) => status === "running")).toEqual([]);
  });
});
