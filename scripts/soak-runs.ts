/**
 * Runs `billing reconcile` on a small generated input again and again against
 * a server database (rating lanes and a split reader on worker threads each
 * time) and counts the runs that end on a signal or a non-zero exit: the soak
 * that looks for a worker thread failing to load. Usage:
 * node scripts/dist/soak-runs.js [runs=1000] [subscribers=200]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { BILLING_CLI, generateInput } from "./lib/billing.js";

const runs = Number(process.argv[2] ?? 1000);
const subscribers = Number(process.argv[3] ?? 200);
const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = `soak_runs_${process.pid}`;
const work = mkdtempSync(join(tmpdir(), "soak-runs-"));
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
const failures = new Map<string, number>();
const started = Date.now();
try {
  generateInput(join(work, "in"), subscribers, 40);
  for (let i = 0; i < runs; i++) {
    const result = spawnSync(
      process.execPath,
      [BILLING_CLI, "reconcile", "--in", join(work, "in"), "--out", join(work, "out")],
      {
        env: { ...process.env, DATABASE_URL: url },
        encoding: "utf8",
      },
    );
    if (result.status !== 0) {
      const why = result.signal ?? `exit ${result.status}: ${result.stderr.split("\n")[0]}`;
      failures.set(why, (failures.get(why) ?? 0) + 1);
      console.log(`  run ${i + 1}: ${why}`);
    }
    if ((i + 1) % 25 === 0)
      console.log(`soak: ${i + 1} runs, ${[...failures.values()].reduce((a, b) => a + b, 0)} failed`);
  }
  const seconds = (Date.now() - started) / 1000;
  const failed = [...failures.values()].reduce((a, b) => a + b, 0);
  console.log(`soak: ${runs} runs of ${subscribers} subscribers in ${seconds.toFixed(0)} s, ${failed} failed`);
  for (const [why, n] of failures) console.log(`  ${n} × ${why}`);
  process.exitCode = failed === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
