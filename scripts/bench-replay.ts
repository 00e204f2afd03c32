/**
 * An auditor's replay of subscriber-months with a few thousand records each,
 * on embedded PGlite: latency percentiles of the replay (read the stored
 * inputs, rate, diff, seal), beside a baseline of the reads alone in the same
 * run. Usage: node scripts/dist/bench-replay.js [records-per-subscriber=3000] [subscribers=20]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadReplayInputs, openDatabase } from "@billing/db";
import { computeReplay } from "@billing/reconciliation";
import { generateInput, runBilling } from "./lib/billing.js";
import { fmt, percentile, seconds } from "./lib/measure.js";

const perSubscriber = Number(process.argv[2] ?? 3000);
const subscribers = Number(process.argv[3] ?? 20);
const work = mkdtempSync(join(tmpdir(), "bench-replay-"));
const dataDir = join(work, "data");

const cli = (args: string[]) => runBilling(args, { BILLING_DATA_DIR: dataDir });

try {
  generateInput(join(work, "in"), subscribers, perSubscriber, { seed: "2" });
  cli(["reconcile", "--in", join(work, "in"), "--out", join(work, "out")]);
  const database = await openDatabase({ kind: "pglite", dataDir });
  try {
    const msisdns = (
      await database.db.selectFrom("usage_months").select("msisdn").distinct().orderBy("msisdn").execute()
    ).map((r) => r.msisdn);
    const reads: number[] = [];
    const replays: number[] = [];
    let records = 0;
    for (const round of [0, 1]) {
      for (const msisdn of msisdns) {
        let start = process.hrtime.bigint();
        await loadReplayInputs(database, msisdn, "2026-09");
        const read = seconds(start) * 1000;
        start = process.hrtime.bigint();
        const inputs = await loadReplayInputs(database, msisdn, "2026-09");
        computeReplay(inputs);
        const total = seconds(start) * 1000;
        if (round === 1) {
          reads.push(read);
          replays.push(total);
          records += inputs.records.length;
        }
      }
    }
    const line = (name: string, xs: number[]) =>
      `  ${name}: p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
    console.log(
      `bench-replay: ${msisdns.length} subscriber-months, ${fmt(records / msisdns.length)} records each on average, embedded PGlite (second round, warm)`,
    );
    console.log(line("baseline (read the stored inputs)", reads));
    console.log(line("replay (read, rate, diff, seal)", replays));
    console.log(
      `  replay / baseline at p50: ${(percentile(replays, 50) / percentile(reads, 50)).toFixed(2)}×   target: under 200 ms`,
    );
  } finally {
    await database.close();
  }
  const start = process.hrtime.bigint();
  cli(["replay", "--msisdn", "13805710000", "--month", "2026-09", "--json"]);
  console.log(`  whole command (node start, open PGlite, replay, print): ${(seconds(start) * 1000).toFixed(0)} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
