/**
 * End-to-end reconciliation on generated data, on embedded PGlite and on the
 * PostgreSQL server: CDRs per second, peak RSS, and the ratio to a baseline
 * measured in the same run, just before each database's, that only reads the
 * CDR files and splits them into fields. Usage:
 *   node scripts/dist/bench-reconcile.js [subscribers=50000] [records-per-subscriber=40] [pglite|postgres|both]
 * Needs `pnpm build`; the server is DATABASE_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { runBilling as cli, generateInput, STORED_RECORDS, withServerDatabase } from "./lib/billing.js";
import { childCpuSeconds, fmt, seconds, serverCpuSeconds } from "./lib/measure.js";

const subscribers = Number(process.argv[2] ?? 50_000);
const perSubscriber = Number(process.argv[3] ?? 40);
const which = process.argv[4] ?? "both";
const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const work = mkdtempSync(join(tmpdir(), "bench-reconcile-"));
const input = join(work, "in");

/** The baseline: stream every CDR file and split it into rows and fields, nothing more. */
async function readAndSplit(): Promise<number> {
  let rows = 0;
  for (const name of readdirSync(input).filter((n) => n.startsWith("cdr-"))) {
    let rest = "";
    for await (const chunk of createReadStream(join(input, name), { encoding: "utf8", highWaterMark: 1 << 20 })) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line.split(",").length > 1) rows += 1;
    }
    if (rest.split(",").length > 1) rows += 1;
  }
  return rows - readdirSync(input).filter((n) => n.startsWith("cdr-")).length;
}

interface Measured {
  seconds: number;
  rssMb: number;
  read: number;
  phases: Record<string, number>;
  /** CPU seconds of the run's process (all its threads) and, when local, of the server. */
  cpu: number;
  serverCpu: number | null;
}

/**
 * One run of `billing reconcile`. Wall time on a shared machine varies by a
 * fifth from run to run, and CPU seconds nearly as much; they say where the
 * work went. Compare versions benched in alternation.
 */
function reconcileOn(kind: "pglite" | "postgres", url: string | null, serverBackend?: number): Measured {
  const out = join(work, `out-${kind}`);
  const env = url ? { DATABASE_URL: url } : { BILLING_DATA_DIR: join(work, "pglite") };
  const cpuBefore = childCpuSeconds();
  const serverBefore = serverBackend === undefined ? null : serverCpuSeconds(serverBackend);
  const start = process.hrtime.bigint();
  cli(["reconcile", "--in", input, "--out", out], env);
  const elapsed = seconds(start);
  const serverAfter = serverBackend === undefined ? null : serverCpuSeconds(serverBackend);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  return {
    seconds: elapsed,
    rssMb: summary.peak_rss_mb,
    read: summary.cdrs.read,
    phases: summary.phases_ms,
    cpu: childCpuSeconds() - cpuBefore,
    serverCpu: serverBefore === null || serverAfter === null ? null : serverAfter - serverBefore,
  };
}

/**
 * A second baseline, of the database alone: the server storing the run's
 * subscriber-months once more into a table of the same shape (key and
 * index), by a single INSERT … SELECT in key order. No run can store them faster.
 */
async function storeFloor(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("CREATE TABLE floor (LIKE usage_months INCLUDING INDEXES INCLUDING CONSTRAINTS)");
    const start = process.hrtime.bigint();
    await client.query("INSERT INTO floor SELECT * FROM usage_months ORDER BY bill_month, msisdn");
    const elapsed = seconds(start);
    const { rows } = await client.query<{ n: number }>(
      `SELECT coalesce(sum(json_array_length(${STORED_RECORDS})), 0)::int AS n FROM floor`,
    );
    const cdrs = rows[0]?.n ?? 0;
    console.log(
      `    database floor: the server alone stores the ${fmt(cdrs)} CDRs, as subscriber-month rows, ` +
        `in ${elapsed.toFixed(1)} s: ${fmt(cdrs / elapsed)} CDRs/s, the most a run that stores them can reach`,
    );
  } finally {
    await client.end();
  }
}

try {
  const start = process.hrtime.bigint();
  generateInput(input, subscribers, perSubscriber);
  console.log(`bench-reconcile: generated ${subscribers} subscribers in ${seconds(start).toFixed(1)} s`);
  // The machines here run others' work too, and how fast they go drifts by a third within minutes:
  // each database run is set against a baseline measured just before it.
  // Three reads, the median taken, after the generator's writes are flushed: one read of 1-1.5 s moved by a
  // quarter with what ran before it, and the ratio with it.
  const baseline = async (): Promise<number> => {
    execFileSync("sync");
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 3; i++) {
      const at = process.hrtime.bigint();
      rows = await readAndSplit();
      times.push(seconds(at));
    }
    const elapsed = [...times].sort((a, b) => a - b)[1] as number;
    console.log(
      `  baseline (read and split the CDR files, median of 3): ${fmt(rows)} rows, ${fmt(rows / elapsed)} rows/s ` +
        `(${elapsed.toFixed(2)} s; ${times.map((t) => t.toFixed(2)).join(", ")})`,
    );
    return elapsed;
  };
  const report = (kind: string, r: Measured, against: number) =>
    console.log(
      `  ${kind}: ${fmt(r.read / r.seconds)} CDRs/s end to end (${r.seconds.toFixed(1)} s), ` +
        `${(r.seconds / against).toFixed(1)}× the baseline's time, peak RSS ${fmt(r.rssMb)} MB\n` +
        `    phases (s): ${Object.entries(r.phases)
          .map(([p, ms]) => `${p} ${(ms / 1000).toFixed(1)}`)
          .join(", ")}\n` +
        `    CPU: the run ${r.cpu.toFixed(1)} s (${(r.cpu / r.seconds).toFixed(2)} cores)` +
        (r.serverCpu === null ? "" : `, the server ${r.serverCpu.toFixed(1)} s`),
    );
  // A new data folder: PGlite's initdb, once per folder, is in the run, and at some 750-850 MB it sets the
  // peak of runs up to a few hundred thousand subscribers (2M CDRs on an existing folder: 464 MB).
  if (which !== "postgres") {
    const against = await baseline();
    report("embedded PGlite (new data folder)", reconcileOn("pglite", null), against);
  }
  if (which !== "pglite") {
    const against = await baseline();
    await withServerDatabase(adminUrl, `bench_reconcile_${process.pid}`, async (url, backend) => {
      report("PostgreSQL server", reconcileOn("postgres", url, backend), against);
      await storeFloor(url);
    });
  }
  console.log("  targets: ≥ 300,000 CDRs/s on the server, peak RSS < 1 GB whatever the input size");
} finally {
  rmSync(work, { recursive: true, force: true });
}
