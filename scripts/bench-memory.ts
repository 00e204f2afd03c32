/**
 * How a run's peak memory grows with its subscribers: `billing reconcile` on
 * the PostgreSQL server over generated populations of growing size, a few
 * CDRs each, so that the reference data (not the usage) makes the
 * difference. Prints each run's peak RSS, its ratio to the smallest run's
 * (the baseline, measured in the same run), and the growth per 1,000
 * subscribers between one size and the next. Usage:
 *   node scripts/dist/bench-memory.js [subscribers=50000,200000,400000] [records-per-subscriber=4]
 * Needs `pnpm build`; the server is DATABASE_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBilling as cli, generateInput, withServerDatabase } from "./lib/billing.js";
import { fmt, seconds } from "./lib/measure.js";

const sizes = (process.argv[2] ?? "50000,200000,400000").split(",").map(Number);
const perSubscriber = Number(process.argv[3] ?? 4);
const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const work = mkdtempSync(join(tmpdir(), "bench-memory-"));

/** One run over a fresh database: its peak RSS (summary.json) and wall seconds. */
async function runOn(subscribers: number): Promise<{ rssMb: number; seconds: number; cdrs: number }> {
  const input = join(work, `in-${subscribers}`);
  const out = join(work, `out-${subscribers}`);
  generateInput(input, subscribers, perSubscriber);
  try {
    return await withServerDatabase(adminUrl, `bench_memory_${process.pid}_${subscribers}`, async (url) => {
      const start = process.hrtime.bigint();
      cli(["reconcile", "--in", input, "--out", out], { DATABASE_URL: url });
      const elapsed = seconds(start);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      return { rssMb: summary.peak_rss_mb, seconds: elapsed, cdrs: summary.cdrs.read };
    });
  } finally {
    rmSync(input, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

try {
  console.log(`bench-memory: peak RSS of a server run by subscribers, ${perSubscriber} CDRs each on average`);
  let baselineMb: number | undefined;
  let last: { subscribers: number; rssMb: number } | undefined;
  for (const subscribers of sizes) {
    const r = await runOn(subscribers);
    baselineMb ??= r.rssMb;
    const growth = last
      ? `, ${((1000 * (r.rssMb - last.rssMb)) / (subscribers - last.subscribers)).toFixed(2)} MB per 1,000 more subscribers`
      : " (the baseline)";
    console.log(
      `  ${fmt(subscribers)} subscribers (${fmt(r.cdrs)} CDRs, ${r.seconds.toFixed(1)} s): peak RSS ${fmt(r.rssMb)} MB, ` +
        `${(r.rssMb / baselineMb).toFixed(2)}× the baseline's${growth}`,
    );
    last = { subscribers, rssMb: r.rssMb };
  }
  console.log("  target: peak RSS < 1 GB whatever the input size");
} finally {
  rmSync(work, { recursive: true, force: true });
}
