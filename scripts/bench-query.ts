/**
 * The itemized-page request of the query service under load, beside the bare
 * read of the same page's stored subscriber-month measured in the same run.
 * Fills a PostgreSQL server database with generated CDRs over the six queryable months (kept
 * between runs, so only the first run pays for the fill), starts
 * `billing serve` on it, signs in many subscribers at a registered kiosk,
 * and drives their sessions' record pages with autocannon. Usage:
 *   node scripts/dist/bench-query.js [subscribers=21000] [records-per-subscriber-month=40] [sessions=400] [seconds=20]
 * Needs `pnpm build`; the server is DATABASE_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashPassword, queryableMonths, registerKiosk } from "@billing/bill-query";
import { openDatabase } from "@billing/db";
import autocannon from "autocannon";
import pLimit from "p-limit";
import pg from "pg";
import { BILLING_CLI, runBilling as cli, generateInput, STORED_RECORDS } from "./lib/billing.js";
import { fmt, percentile, seconds } from "./lib/measure.js";

const subscribers = Number(process.argv[2] ?? 21_000);
const perMonth = Number(process.argv[3] ?? 40);
const sessionCount = Number(process.argv[4] ?? 400);
const duration = Number(process.argv[5] ?? 20);
const CONNECTIONS = 32;
const TARGET_RPS = 1_500;
const PAGE = 20;
const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const months = queryableMonths(Date.now());
// BENCH_DB_SUFFIX keeps two trees' databases apart when their schemas differ (a before/after pair).
const name = `bench_query_${subscribers}_${perMonth}_${months[0]?.replace("-", "")}${process.env.BENCH_DB_SUFFIX ?? ""}`;
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

/** Creates and fills the database unless an earlier run did. Returns how many CDRs it holds. */
async function fill(): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const done = exists
    ? (await client.query("SELECT 1 FROM runs WHERE run_id = 'bench-fill' AND status = 'finished'")).rowCount === 1
    : false;
  if (!done) {
    const work = await mkdtemp(join(tmpdir(), "bench-query-"));
    try {
      const start = process.hrtime.bigint();
      generateInput(join(work, "in"), subscribers, perMonth, { months: [...months].reverse(), seed: "7" });
      console.log(`  generated ${subscribers} subscribers × ${months.length} months in ${seconds(start).toFixed(0)} s`);
      const load = process.hrtime.bigint();
      cli([
        "reconcile",
        "--in",
        join(work, "in"),
        "--out",
        join(work, "out"),
        "--database",
        url,
        "--run-id",
        "bench-fill",
      ]);
      const summary = JSON.parse(readFileSync(join(work, "out", "summary.json"), "utf8"));
      console.log(`  reconciled ${fmt(summary.cdrs.read)} CDRs into ${name} in ${seconds(load).toFixed(0)} s`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const cdrs = Number(
    (await client.query(`SELECT coalesce(sum(json_array_length(${STORED_RECORDS})), 0) AS n FROM usage_months`)).rows[0]
      .n,
  );
  await client.end();
  return cdrs;
}

interface Target {
  readonly msisdn: string;
  readonly month: string;
}

/** Who the sessions are: subscribers spread over the table, each looking at one of the six months. */
async function pickTargets(pool: pg.Pool): Promise<Target[]> {
  const { rows } = await pool.query<{ msisdn: string }>(
    `SELECT DISTINCT msisdn FROM subscriber_periods ORDER BY msisdn`,
  );
  const step = Math.max(1, Math.floor(rows.length / sessionCount));
  return rows
    .filter((_, i) => i % step === 0)
    .slice(0, sessionCount)
    .map((r, i) => ({ msisdn: r.msisdn, month: months[i % months.length] as string }));
}

/** The baseline: the bare read of each page's stored subscriber-month on the same connections count, no service in between. */
async function bareSql(pool: pg.Pool, pages: readonly Target[]) {
  const latencies: number[] = [];
  const end = Date.now() + duration * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < end) {
        const p = pages[next++ % pages.length] as (typeof pages)[number];
        const start = process.hrtime.bigint();
        await pool.query("SELECT records FROM usage_months WHERE bill_month = $1 AND msisdn = $2", [p.month, p.msisdn]);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }),
  );
  return { rps: latencies.length / duration, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BILLING_CLI, "serve", "--port", "0", "--database", url], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
      const found = /kiosk page (http:\/\/[^/\s]+)\/kiosk\//.exec(stderr);
      if (found?.[1]) resolve({ child, base: found[1] });
    });
    child.on("exit", () => reject(new Error(`billing serve exited: ${stderr}`)));
  });
}

const peakRssOf = (pid: number) =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

console.log(`bench-query: ${sessionCount} sessions, ${CONNECTIONS} connections, ${duration} s per measurement`);
const cdrs = await fill();
console.log(`  database ${name}: ${fmt(cdrs)} CDRs over ${months.at(-1)} … ${months[0]}`);
const database = await openDatabase({ kind: "postgres", url });
const hash = await hashPassword("123456");
// The bare reads go straight to the server, beside the service's own pool.
const bareSqlPool = new pg.Pool({ connectionString: url, max: 8 });
const targets = await pickTargets(bareSqlPool);
await database.db
  .insertInto("service_credentials")
  .values(targets.map((t) => ({ msisdn: t.msisdn, password_hash: hash })))
  .onConflict((oc) => oc.column("msisdn").doUpdateSet({ password_hash: hash }))
  .execute();
const key = await registerKiosk(database, "BENCH", "benchmark kiosk");

const { child, base } = await startServer();
try {
  const kiosk = { "x-kiosk-id": "BENCH", "x-kiosk-key": key };
  const limit = pLimit(8);
  const firstPage: number[] = [];
  const requests: { path: string; token: string }[] = [];
  const barePages: Target[] = [];
  const start = process.hrtime.bigint();
  await Promise.all(
    targets.map((t) =>
      limit(async () => {
        const signIn = await fetch(`${base}/v1/sessions`, {
          method: "POST",
          headers: { ...kiosk, "content-type": "application/json" },
          body: JSON.stringify({ msisdn: t.msisdn, password: "123456" }),
        });
        if (signIn.status !== 201) throw new Error(`sign-in ${t.msisdn}: ${signIn.status} ${await signIn.text()}`);
        const { token } = (await signIn.json()) as { token: string };
        let cursor: string | null = null;
        do {
          const path: string = `/v1/months/${t.month}/records?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ""}`;
          const began = process.hrtime.bigint();
          const response = await fetch(base + path, { headers: { ...kiosk, authorization: `Bearer ${token}` } });
          if (cursor === null) firstPage.push(Number(process.hrtime.bigint() - began) / 1e6);
          if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
          const page = (await response.json()) as { next: string | null };
          requests.push({ path, token });
          barePages.push(t);
          cursor = page.next;
        } while (cursor);
      }),
    ),
  );
  console.log(
    `  signed in ${targets.length} sessions and walked ${requests.length} pages in ${seconds(start).toFixed(1)} s; ` +
      `first page of a month (reads and rates it): p50 ${percentile(firstPage, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(firstPage, 99).toFixed(1)} ms`,
  );

  const bare = await bareSql(bareSqlPool, barePages);
  console.log(
    `  baseline, bare read of the page's subscriber-month: ${fmt(bare.rps)} requests/s, p50 ${bare.p50.toFixed(2)} ms, p99 ${bare.p99.toFixed(2)} ms`,
  );

  let next = 0;
  const drive = (overallRate?: number) =>
    autocannon({
      url: base,
      connections: CONNECTIONS,
      duration,
      ...(overallRate ? { overallRate } : {}),
      requests: [
        {
          setupRequest: (request) => {
            const r = requests[next++ % requests.length] as (typeof requests)[number];
            return {
              ...request,
              method: "GET",
              path: r.path,
              headers: { ...kiosk, authorization: `Bearer ${r.token}` },
            };
          },
        },
      ],
    });
  const line = (label: string, r: autocannon.Result) =>
    `  ${label}: ${fmt(r.requests.average)} requests/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ` +
    `${r.non2xx} non-2xx, ${r.errors} errors`;
  const saturated = await drive();
  console.log(line(`service, itemized page, ${CONNECTIONS} connections flat out`, saturated));
  const offered = await drive(TARGET_RPS);
  console.log(line(`service, itemized page, ${fmt(TARGET_RPS)} requests/s offered`, offered));
  console.log(
    `  ratio to the bare read baseline: ${(saturated.requests.average / bare.rps).toFixed(2)}× its requests/s, ` +
      `${(saturated.latency.p99 / bare.p99).toFixed(1)}× its p99 (flat out); ` +
      `service peak RSS ${fmt(peakRssOf(child.pid as number))} MB`,
  );
  console.log("  target: ≥ 1,500 requests/s at p99 ≤ 25 ms");
} finally {
  child.kill("SIGTERM");
  await database.close();
  await bareSqlPool.end();
}
