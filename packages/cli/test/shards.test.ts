import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { inShard } from "@billing/formats";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discrepancyKeys, generateInto, injectedKeys, readCsv } from "./generated.js";
import { runCli } from "./run-cli.js";

const REFUNDING = new Set([
  "overcharge",
  "phantom_charge",
  "duplicate_billing",
  "duplicate_usage",
  "unconfirmed_subscription",
]);

// Processes share a run on a PostgreSQL server (an embedded database belongs to one process).
describe("several processes sharing one run on the PostgreSQL server", () => {
  let work: string;
  const input = () => join(work, "in");
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-shards-"));
    await generateInto(input(), 400, "2026-09", "5");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function ledgerKeys(scratch: ScratchDatabase) {
    const { rows } = await sql<{ idempotency_key: string }>`select idempotency_key from credit_ledger`.execute(
      scratch.database.db,
    );
    return rows.map((r) => r.idempotency_key);
  }
  const owedCount = () =>
    readCsv(join(input(), "injected-errors.csv")).filter((r) => REFUNDING.has(r.class as string)).length;

  it("two shares of one run, at once: together exactly the injected errors, each credit once", async () => {
    const scratch = await scratchDatabase("postgres");
    try {
      const env = { DATABASE_URL: scratch.url as string };
      const share = (i: number) =>
        runCli(
          ["reconcile", "--in", input(), "--out", join(work, `share${i}`), "--run-id", "night", "--shard", `${i}/2`],
          env,
        );
      const results = await Promise.all([share(1), share(2)]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const outs = [1, 2].map((i) => join(work, `share${i}`));
      const found = outs.flatMap((o) => discrepancyKeys(readCsv(join(o, "discrepancies.csv")))).sort();
      expect(found).toEqual(injectedKeys(input()));
      const msisdns = outs.map((o) => new Set(readCsv(join(o, "discrepancies.csv")).map((r) => r.msisdn)));
      expect([...(msisdns[0] as Set<string>)].some((m) => msisdns[1]?.has(m))).toBe(false);
      const summaries = outs.map((o) => JSON.parse(readFileSync(join(o, "summary.json"), "utf8")));
      for (const s of summaries) expect(s.cdrs.adds_up).toBe(true);
      expect(summaries[0].cdrs.read).toBe(summaries[1].cdrs.read);
      const sum = (field: string) => summaries[0].cdrs[field] + summaries[1].cdrs[field];
      expect(sum("rated") + sum("quarantined") + sum("duplicates")).toBe(summaries[0].cdrs.read);
      // Every row of every file is its own share's, and another's (other_shards) in the rest.
      for (const file of Object.keys(summaries[0].inputs)) {
        const [a, b] = summaries.map((s) => s.inputs[file]);
        expect(a.rows, file).toBe(b.rows);
        expect(a.other_shards + b.other_shards, file).toBe(a.rows);
      }
      const keys = await ledgerKeys(scratch);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(owedCount());
      const whole = await runCli(["reconcile", "--in", input(), "--out", join(work, "whole")], env);
      expect(whole.code).toBe(0);
      expect(readCsv(join(work, "whole", "credits.csv"))).toEqual([]);
    } finally {
      await scratch.drop();
    }
  });

  it("a share holds and stores its own subscribers' reference data, and the other shares' VPMN members' periods", async () => {
    const scratch = await scratchDatabase("postgres");
    try {
      const env = { DATABASE_URL: scratch.url as string };
      const share = { index: 1, count: 2 };
      const run = await runCli(
        ["reconcile", "--in", input(), "--out", join(work, "alone"), "--run-id", "alone", "--shard", "1/2"],
        env,
      );
      expect(run.code, run.stderr).toBe(0);
      const periods = readCsv(join(input(), "subscribers.csv"));
      const members = new Set(periods.filter((p) => p.vpmn_group !== "").map((p) => p.msisdn));
      const { rows: stored } = await sql<{ msisdn: string }>`select distinct msisdn from subscriber_periods`.execute(
        scratch.database.db,
      );
      const expected = new Set(
        periods.map((p) => p.msisdn as string).filter((m) => inShard(m, share) || members.has(m)),
      );
      expect(new Set(stored.map((r) => r.msisdn))).toEqual(expected);
      // Both kinds are there: a test of the filter, not of an input with one.
      expect([...expected].some((m) => !inShard(m, share))).toBe(true);
      expect(periods.some((p) => !expected.has(p.msisdn as string))).toBe(true);
      const { rows: subscribed } = await sql<{ msisdn: string }>`select distinct msisdn from subscriptions`.execute(
        scratch.database.db,
      );
      expect(subscribed.length).toBeGreaterThan(0);
      for (const { msisdn } of subscribed) expect(inShard(msisdn, share)).toBe(true);
    } finally {
      await scratch.drop();
    }
  });

  it("two processes wrongly taking the whole run at the same moment still issue each credit once", async () => {
    const scratch = await scratchDatabase("postgres");
    try {
      const env = { DATABASE_URL: scratch.url as string };
      const run = (i: number) =>
        runCli(["reconcile", "--in", input(), "--out", join(work, `twin${i}`), "--chunk-size", "25"], env);
      const results = await Promise.all([run(1), run(2)]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const keys = await ledgerKeys(scratch);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(owedCount());
      const issued = [1, 2].flatMap((i) =>
        readCsv(join(work, `twin${i}`, "credits.csv")).map((c) => c.idempotency_key),
      );
      expect(issued.sort()).toEqual([...keys].sort());
    } finally {
      await scratch.drop();
    }
  });

  it("two processes given one run id at once: one does the run, the other refuses in one line before any work", async () => {
    const scratch = await scratchDatabase("postgres");
    try {
      const env = { DATABASE_URL: scratch.url as string };
      const run = (i: number) =>
        runCli(["reconcile", "--in", input(), "--out", join(work, `same${i}`), "--run-id", "same-night"], env);
      const results = await Promise.all([run(1), run(2)]);
      expect(results.map((r) => r.code).sort()).toEqual(results.some((r) => r.code === 1) ? [0, 1] : [0, 0]);
      for (const r of results.filter((r) => r.code === 1)) {
        expect(r.stderr).toMatch(
          /^billing reconcile: run same-night share 1\/1 is already running \(process \d+ on .+\); wait for it, or give this run another --run-id\n$/,
        );
      }
      const keys = await ledgerKeys(scratch);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(owedCount());
    } finally {
      await scratch.drop();
    }
  });
});
