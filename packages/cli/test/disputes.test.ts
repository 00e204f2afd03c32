import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { reconcile } from "@billing/nightly";
import { creditId, idempotencyKey } from "@billing/reconciliation";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_MAIN, REPO, runCli } from "./run-cli.js";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
const ALICE = "13805710001";

describe("billing disputes, the built command on PostgreSQL", () => {
  let scratch: ScratchDatabase;
  let env: NodeJS.ProcessEnv;
  const billing = (...args: string[]) => runCli(args, env);

  async function nightly(runId: string) {
    const out = mkdtempSync(join(tmpdir(), "billing-disputes-cli-"));
    try {
      return await reconcile({ inDir: EXAMPLE, outDir: out, database: scratch.database, runId });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  beforeAll(async () => {
    scratch = await scratchDatabase("postgres");
    env = { DATABASE_URL: scratch.url as string };
    await nightly("night-1");
    const staff = await billing("register-staff", "--id", "S01", "--name", "Wang");
    expect(staff.code, staff.stderr).toBe(0);
  });
  afterAll(() => scratch.drop());

  it("prints --help for each subcommand; bad values are usage errors (2), refusals of the work exit 1", async () => {
    for (const sub of ["open", "list", "show", "answer"]) {
      const help = await billing("disputes", sub, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`billing disputes ${sub}`);
    }
    const base = ["disputes", "open", "--msisdn", ALICE, "--month", "2026-09", "--staff", "S01"];
    expect((await billing(...base, "--reason", "angry")).code).toBe(2);
    expect((await billing(...base)).code).toBe(2);
    const unknownStaff = await billing(...base.slice(0, -1), "NOBODY", "--reason", "other");
    expect(unknownStaff.code).toBe(1);
    expect(unknownStaff.stderr).toContain("unknown staff id NOBODY");
    const unknownItem = await billing(...base, "--reason", "other", "--item", "VAS:NOPE");
    expect(unknownItem.code).toBe(1);
    expect(unknownItem.stderr).toMatch(/^billing disputes open: .*no item VAS:NOPE in 2026-09/);
    expect((await billing("disputes", "show", "TS20000101-000000")).code).toBe(1);
  });

  it("opens, lists, shows with the replay's digest, and answers; error_found is refused where nothing is owed", async () => {
    const opened = await billing(
      "disputes",
      "open",
      "--msisdn",
      ALICE,
      "--month",
      "2026-09",
      "--item",
      "FEE:GT58",
      "--reason",
      "wrong_rate",
      "--text",
      "月租不对",
      "--staff",
      "S01",
    );
    expect(opened.code, opened.stderr).toBe(0);
    const id = opened.stdout.trim();
    expect(id).toMatch(/^TS\d{8}-\d{6}$/);
    expect(opened.stderr).toContain("due ");
    const list = await billing("disputes", "list", "--open", "--json");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((c: { case_id: string }) => c.case_id)).toContain(id);
    const show = await billing("disputes", "show", id, "--json");
    const shown = JSON.parse(show.stdout);
    const replay = await billing("replay", "--msisdn", ALICE, "--month", "2026-09", "--json");
    expect(shown.replay.sha256).toBe(JSON.parse(replay.stdout).sha256);
    expect((await billing("disputes", "show", id)).stdout).toContain(`Case ${id}`);
    const refused = await billing("disputes", "answer", id, "--outcome", "error_found", "--staff", "S01");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("no refund owed");
    const answered = await billing("disputes", "answer", id, "--outcome", "no_error", "--staff", "S01");
    expect(answered.code, answered.stderr).toBe(0);
    const after = JSON.parse((await billing("disputes", "show", id, "--json")).stdout);
    expect(after.answer).toMatchObject({ outcome: "no_error", staff_id: "S01", replay_sha256: shown.replay.sha256 });
    expect(after.answer.explanation_zh).toContain("未发现多收");
    expect((await billing("disputes", "answer", id, "--outcome", "withdrawn", "--staff", "S01")).code).toBe(1);
  });

  it("killed between opening a case and issuing its refund, then run again: one case, one credit, across a run", async () => {
    const item = "VAS:RING5";
    const key = { msisdn: ALICE, billMonth: "2026-09", itemKey: item, occurrence: 1 };
    const idem = idempotencyKey(key);
    const openRing = [
      ...["disputes", "open", "--msisdn", ALICE, "--month", "2026-09"],
      ...["--item", item, "--reason", "never_ordered", "--staff", "S01"],
    ];
    // Hold the refund's ledger key in a transaction of our own: the command inserts its case, then waits on the key.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = () => {};
    const inserted = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const holder = scratch.database
      .transaction(async (session) => {
        await session.query(
          `INSERT INTO credit_ledger (credit_id, idempotency_key, issue_seq, account_id, msisdn, bill_month, item_key,
             occurrence, class, overcharge, compensation, refund, owed_total, settle_to, run_id, input_digests,
             catalogue_digest)
           VALUES ($1, $2, 1, 'A1', $3, '2026-09', $4, 1, 'vas_dispute', 5, 5, 10, 10, 'next_bill', 'holder', '{}', 'x')`,
          [creditId(idem, 1), idem, ALICE, item],
        );
        holding();
        await held;
        throw new Error("rolled back on purpose");
      })
      .catch(() => {});
    await inserted;
    const activity = async (where: string) =>
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND ${sql.raw(where)}`.execute(scratch.database.db)
      ).rows[0]?.n;
    const child = spawn(process.execPath, [CLI_MAIN, ...openRing], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_c, signal) => resolve(signal)));
    // Wait until the command's transaction is blocked on the ledger key, its case inserted.
    for (let i = 0; ; i++) {
      if ((await activity("wait_event_type = 'Lock' AND query LIKE 'INSERT INTO credit_ledger%'")) === 1) break;
      if (i > 2000) throw new Error("the command never reached its refund");
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    release();
    await holder;
    // The dead command's backend finishes its wait, finds its client gone and rolls back.
    for (let i = 0; ; i++) {
      if ((await activity("pid <> pg_backend_pid() AND state <> 'idle'")) === 0) break;
      if (i > 2000) throw new Error("the killed command's transaction never ended");
      await new Promise((r) => setTimeout(r, 5));
    }
    const cases = async () =>
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM disputes WHERE msisdn = ${ALICE} AND item_key = ${item}`.execute(
          scratch.database.db,
        )
      ).rows[0]?.n;
    const credits = async () =>
      (
        await sql<{ n: number; refund: string }>`SELECT count(*)::int AS n, coalesce(sum(refund), 0)::text AS refund
          FROM credit_ledger WHERE idempotency_key = ${idem}`.execute(scratch.database.db)
      ).rows[0];
    expect(await cases()).toBe(0);
    expect((await credits())?.n).toBe(0);

    const again = await billing(...openRing);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("refunded 10.00 at once");
    const once = await billing(...openRing);
    expect(once.stdout).toBe(again.stdout);
    await nightly("night-2");
    expect(await cases()).toBe(1);
    expect(await credits()).toEqual({ n: 1, refund: "10.00" });
  });
});
