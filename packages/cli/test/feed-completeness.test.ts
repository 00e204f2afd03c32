import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_KINDS, scratchDatabase } from "@billing/db/testing";
import { generate } from "@billing/generate";
import { reconcile, type Summary } from "@billing/nightly";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const MONTH = "2026-10";

// reconcile.md: a missing feed must not turn into refunds.
describe.each(DATABASE_KINDS)("a bill month whose feed is incomplete, on %s", (kind) => {
  let work: string;
  let input: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-feed-"));
    input = join(work, "in");
    await generate({ outDir: input, subscribers: 150, months: [MONTH], seed: "feed", errorRate: 0.02 });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The generated input with `change` made to a copy of it, reconciled on a fresh database. */
  async function run(name: string, change: (dir: string) => void, acceptIncomplete?: string[]) {
    const dir = join(work, name);
    const out = join(work, `${name}-out`);
    mkdirSync(dir);
    for (const file of readdirSync(input))
      writeFileSync(join(dir, file), readFileSync(join(input, file)), { flag: "w" });
    change(dir);
    const scratch = await scratchDatabase(kind);
    try {
      const summary: Summary = await reconcile({
        inDir: dir,
        outDir: out,
        database: scratch.database,
        runId: name,
        ...(acceptIncomplete && { acceptIncomplete }),
      });
      const credits = readFileSync(join(out, "credits.csv"), "utf8").trim().split("\r\n").length - 1;
      return { summary, credits };
    } finally {
      await scratch.drop();
    }
  }
  const cdrFile = (dir: string) => readdirSync(dir).find((f) => f.startsWith("cdr-")) as string;
  const headerOnly = (dir: string) => {
    const file = join(dir, cdrFile(dir));
    writeFileSync(file, `${readFileSync(file, "utf8").split("\n")[0]}\n`);
  };

  it("a CDR file with only its header: nothing of the month reconciled or credited, and the reason said", async () => {
    const { summary, credits } = await run("header-only", headerOnly);
    expect(summary.incomplete_months.map((m) => m.month)).toEqual([MONTH]);
    expect(summary.incomplete_months[0]?.reason).toMatch(
      /billed usage lines .* have no usage record: is a CDR file missing\?$/,
    );
    expect(summary.credits.issued).toBe(0);
    expect(credits).toBe(0);
    expect(summary.bill_months).toEqual([]);
  });

  it("no subscriptions.csv while the bill has value-added lines: the month is not reconciled", async () => {
    const { summary } = await run("no-subscriptions", (dir) => rmSync(join(dir, "subscriptions.csv")));
    expect(summary.incomplete_months[0]?.reason).toMatch(/no subscription is stored: is subscriptions.csv missing\?$/);
    expect(summary.credits.issued).toBe(0);
  });

  it("--accept-incomplete reconciles the month all the same", async () => {
    const { summary, credits } = await run("accepted", headerOnly, [MONTH]);
    expect(summary.incomplete_months).toEqual([]);
    expect(summary.bill_months).toEqual([MONTH]);
    expect(credits).toBeGreaterThan(0);
  });

  it("a complete feed is reconciled", async () => {
    const { summary } = await run("complete", () => {});
    expect(summary.incomplete_months).toEqual([]);
    expect(summary.credits.issued).toBeGreaterThan(0);
  });

  it.runIf(kind === "pglite")("billing reconcile says which month and why in one line, and exits 1", async () => {
    const dir = join(work, "cli");
    mkdirSync(dir);
    for (const file of readdirSync(input)) writeFileSync(join(dir, file), readFileSync(join(input, file)));
    headerOnly(dir);
    const result = await runCli(["reconcile", "--in", dir, "--out", join(work, "cli-out")], {
      BILLING_DATA_DIR: join(work, "cli-data"),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^billing reconcile: ${MONTH} not reconciled, nothing of it stored or credited: .* is a CDR file missing\\? \\(once checked, --accept-incomplete ${MONTH} reconciles it\\)\n$`,
      ),
    );
  });
});
