import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discrepancyKeys, readCsv } from "./generated.js";
import { REPO, runCli } from "./run-cli.js";

const EXAMPLE = join(REPO, "test-data/basic");
const A3 = ["--msisdn", "13500100003", "--month", "2026-09"];

/** Checks a sealed document: drop the last field, hash the rest. */
function verifies(json: string): boolean {
  const match = /,"sha256":"([0-9a-f]{64})"\}$/.exec(json);
  if (!match) return false;
  const body = `${json.slice(0, match.index)}}`;
  return createHash("sha256").update(body).digest("hex") === match[1];
}

describe.each(DATABASE_KINDS)("billing replay on %s", (kind) => {
  let scratch: ScratchDatabase | undefined;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const ledgerRows = async () => {
    if (!scratch) {
      const { openDatabase } = await import("@billing/db");
      const database = await openDatabase({ kind: "pglite", dataDir: env.BILLING_DATA_DIR as string });
      try {
        return (await sql<{ n: number }>`select count(*)::int as n from credit_ledger`.execute(database.db)).rows[0]?.n;
      } finally {
        await database.close();
      }
    }
    return (await sql<{ n: number }>`select count(*)::int as n from credit_ledger`.execute(scratch.database.db)).rows[0]
      ?.n;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-replay-"));
    if (kind === "postgres") {
      scratch = await scratchDatabase("postgres");
      env = { DATABASE_URL: scratch.url as string };
    } else env = { BILLING_DATA_DIR: join(work, "data") };
    const run = await runCli(["reconcile", "--in", EXAMPLE, "--out", join(work, "out")], env);
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("shows every item with its rule, billed amount, class and refunds, then the totals and the digest", async () => {
    const before = await ledgerRows();
    const { code, stdout } = await runCli(["replay", ...A3], env);
    expect(code).toBe(0);
    expect(stdout).toContain("Replay of 13500100003 in 2026-09 (account A3, plan EZ18, credits to balance)");
    expect(stdout).toMatch(
      /V11 +ld_out +0\.37 +0\.44 +overcharge +0\.14 +0\.14\n {4}service voice; other party 13805710001;.*(; |\n {4})long distance to 0571/,
    );
    expect(stdout).toMatch(/V99 .* 0\.00 +0\.88 +phantom_charge +1\.76 +1\.76\n {4}no usage record V99 exists/);
    // Two lines an item fit a 120-column terminal; --wide gives one.
    expect(Math.max(...stdout.split("\n").map((l) => l.length))).toBeLessThanOrEqual(120);
    const wide = await runCli(["replay", ...A3, "--wide"], env);
    expect(wide.stdout).toMatch(
      /V11 +voice +13805710001 +ld_out .* 0\.37 +0\.44 +overcharge +0\.14 +0\.14 +long distance to 0571/,
    );
    expect(stdout).toContain("double refunds owed 13.22, already issued 13.22, still owed 0.00");
    expect(stdout).toMatch(/^sha256 [0-9a-f]{64}$/m);
    expect(await ledgerRows()).toBe(before);
  });

  it("--json is canonical and sealed: the last field is the SHA-256 of the rest", async () => {
    const { code, stdout } = await runCli(["replay", ...A3, "--json"], env);
    expect(code).toBe(0);
    const json = stdout.trim();
    expect(verifies(json)).toBe(true);
    const doc = JSON.parse(json);
    expect(Object.keys(doc).at(-1)).toBe("sha256");
    expect(doc.totals).toMatchObject({ refund_owed: "13.22", refund_issued: "13.22", refund_still_owed: "0.00" });
    expect(doc.items.find((i: { item_key: string }) => i.item_key === "V11")).toMatchObject({
      start_time: "2026-09-12T10:00:00+08:00",
      expected: "0.37",
      billed: "0.44",
      class: "overcharge",
    });
  });

  it("gives byte-identical JSON in any time zone of the machine", async () => {
    const outputs = new Set<string>();
    for (const TZ of ["UTC", "Asia/Shanghai", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"]) {
      const { code, stdout } = await runCli(["replay", ...A3, "--json"], { ...env, TZ });
      expect(code).toBe(0);
      outputs.add(stdout);
    }
    expect(outputs.size).toBe(1);
  });

  it("writes an evidence pack that reconcile re-checks to the same discrepancies", async () => {
    const evidence = join(work, "evidence");
    const { code, stdout } = await runCli(
      ["replay", "--msisdn", "13805710001", "--month", "2026-09", "--json", "--evidence", evidence],
      env,
    );
    expect(code).toBe(0);
    expect(readdirSync(evidence).sort()).toEqual([
      "README.txt",
      "boss-bill-202609-13805710001.csv",
      "cdr-13805710001-202609.csv",
      "credits-issued.csv",
      "quarantined-records.csv",
      "replay.json",
      "subscribers.csv",
      "subscriptions.csv",
      "tariffs.json",
    ]);
    expect(readFileSync(join(evidence, "replay.json"), "utf8")).toBe(stdout);
    expect(readFileSync(join(evidence, "tariffs.json"), "utf8")).toBe(
      readFileSync(join(EXAMPLE, "tariffs.json"), "utf8"),
    );
    const recheck = await runCli(["reconcile", "--in", evidence, "--out", join(work, "recheck")], {
      BILLING_DATA_DIR: join(work, "recheck-data"),
    });
    expect(recheck.code, recheck.stderr).toBe(0);
    const doc = JSON.parse(stdout);
    const fromReplay = doc.items
      .filter((i: { class: string | null }) => i.class !== null && i.class !== "match")
      .map((i: { item_key: string; class: string }) => `${i.item_key}|${i.class}`)
      .sort();
    const fromRecheck = discrepancyKeys(readCsv(join(work, "recheck", "discrepancies.csv")))
      .map((k) => k.split("|"))
      .filter(([, msisdn]) => msisdn === "13805710001")
      .map(([, , key, cls]) => `${key}|${cls}`)
      .sort();
    expect(fromRecheck).toEqual(fromReplay);
  });

  it.each([
    [["--msisdn", "13999999999", "--month", "2026-09"], 1, /^billing replay: unknown msisdn 13999999999/],
    [
      ["--msisdn", "13500100003", "--month", "2025-01"],
      1,
      /^billing replay: nothing stored for 13500100003 in 2025-01/,
    ],
    [
      // An active plan period, but the month was never delivered: nothing to check a fee against.
      ["--msisdn", "13805710001", "--month", "2026-03"],
      1,
      /^billing replay: nothing stored for 13805710001 in 2026-03: no record, bill line or credit/,
    ],
    [["--msisdn", "135", "--month", "2026-09"], 2, /--msisdn/],
    [["--msisdn", "13500100003", "--month", "09-2026"], 2, /--month/],
  ])("%j exits %i with a one-line reason", async (args, exit, reason) => {
    const { code, stderr } = await runCli(["replay", ...args], env);
    expect(code).toBe(exit);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(reason);
  });

  it("lists a month's bill lines by item_key and occurrence, whatever order the bill delivered them in", async () => {
    const evidence = join(work, "evidence-order");
    const { code } = await runCli(
      ["replay", "--msisdn", "13805710001", "--month", "2026-09", "--evidence", evidence],
      env,
    );
    expect(code).toBe(0);
    const keyOf = (line: string) => line.split(",")[2] as string;
    const delivered = readFileSync(join(EXAMPLE, "boss-bill-202609.csv"), "utf8")
      .split(/\r?\n/)
      .filter((l) => l.includes("13805710001"))
      .map(keyOf);
    const shown = readFileSync(join(evidence, "boss-bill-202609-13805710001.csv"), "utf8")
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l !== "")
      .map(keyOf);
    const byCodeUnit = [...delivered].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(delivered).not.toEqual(byCodeUnit);
    expect(shown).toEqual(byCodeUnit);
  });

  it("--issue issues what is still owed through the same ledger, once", async () => {
    const db = scratch?.database.db;
    // A line of a later file added to the stored bill (StoredBill: the file named in `sources`, the line by its index).
    const addLine = sql`update bill_months set lines = jsonb_build_object(
        'sources', (lines::jsonb -> 'sources') || '["late.csv"]'::jsonb,
        'lines', (lines::jsonb -> 'lines')
          || jsonb_build_array(jsonb_build_array('V99', 2, 88, jsonb_array_length(lines::jsonb -> 'sources'), 2)))::text
      where bill_month = '2026-09' and msisdn = '13500100003'`;
    if (db) await addLine.execute(db);
    else {
      const { openDatabase } = await import("@billing/db");
      const database = await openDatabase({ kind: "pglite", dataDir: env.BILLING_DATA_DIR as string });
      await addLine.execute(database.db);
      await database.close();
    }
    const before = await ledgerRows();
    const look = await runCli(["replay", ...A3, "--json"], env);
    expect(JSON.parse(look.stdout).totals.refund_still_owed).toBe("1.76");
    expect(await ledgerRows()).toBe(before);
    const issue = await runCli(["replay", ...A3, "--json", "--issue"], env);
    expect(issue.code).toBe(0);
    expect(issue.stderr).toBe("billing replay: issued 1 credit(s) still owed\n");
    expect(JSON.parse(issue.stdout).totals.refund_still_owed).toBe("0.00");
    expect(await ledgerRows()).toBe((before as number) + 1);
    const again = await runCli(["replay", ...A3, "--issue"], env);
    expect(again.stderr).toBe("billing replay: issued 0 credit(s) still owed\n");
    expect(await ledgerRows()).toBe((before as number) + 1);
  });
});

describe("billing replay on both databases", () => {
  it("gives byte-identical JSON and the same digest on PGlite and on the server", async () => {
    const work = mkdtempSync(join(tmpdir(), "billing-replay-both-"));
    const scratch = await scratchDatabase("postgres");
    try {
      const envs = [{ BILLING_DATA_DIR: join(work, "data") }, { DATABASE_URL: scratch.url as string }];
      const outputs: string[] = [];
      for (const env of envs) {
        const run = ["reconcile", "--in", EXAMPLE, "--out", join(work, "out"), "--run-id", "night-2026-10-01"];
        expect((await runCli(run, env)).code).toBe(0);
        for (const msisdn of ["13805710001", "13500100003", "13905710002"]) {
          const { code, stdout } = await runCli(["replay", "--msisdn", msisdn, "--month", "2026-09", "--json"], env);
          expect(code).toBe(0);
          outputs.push(stdout);
        }
      }
      expect(outputs.slice(0, 3)).toEqual(outputs.slice(3));
    } finally {
      await scratch.drop();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
