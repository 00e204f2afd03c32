import { sql } from "kysely";
import type { BillingDatabase } from "../dialect.js";
import { recordDeliveries } from "./ledger.js";

/** A share of a run (run_id, shard) as `runs` records it. */
export interface RunKey {
  readonly runId: string;
  readonly shard: string;
}

/** Where a run's process is: the next run on its host tells from it whether the run died. */
export interface RunProcess {
  readonly host: string;
  readonly pid: number;
}

/** Another process is running this share of the run now: the second one refuses before any work. */
export class RunAlreadyRunning extends Error {
  override readonly name = "RunAlreadyRunning";
  readonly code = "run_in_use";
}

/**
 * Records a share of a run as running. A share started again (after a crash
 * or a failure) is running again; one whose recorded process still runs
 * (`alive`, on this host), or runs on another host, is refused: two processes
 * never work one share of one run.
 */
export async function startRun(
  database: BillingDatabase,
  run: RunKey,
  startedAt: Date,
  process: RunProcess,
  alive: (pid: number) => boolean,
): Promise<void> {
  const inserted = await database.db
    .insertInto("runs")
    .values({
      run_id: run.runId,
      shard: run.shard,
      started_at: startedAt,
      status: "running",
      input_digests: "{}",
      catalogue_digest: null,
      summary: null,
      host: process.host,
      pid: process.pid,
    })
    .onConflict((oc) => oc.columns(["run_id", "shard"]).doNothing())
    .returning("run_id")
    .executeTakeFirst();
  if (inserted) return;
  await database.transaction(async (session) => {
    const [earlier] = await session.query<{ status: string; host: string | null; pid: number | null }>(
      "SELECT status, host, pid FROM runs WHERE run_id = $1 AND shard = $2 FOR UPDATE",
      [run.runId, run.shard],
    );
    const elsewhere = earlier?.host !== process.host;
    if (earlier?.status === "running" && earlier.pid !== null && (elsewhere || alive(earlier.pid))) {
      throw new RunAlreadyRunning(
        `run ${run.runId} share ${run.shard} is already running (process ${earlier.pid} on ${earlier.host}); ` +
          "wait for it, or give this run another --run-id",
      );
    }
    await session.query(
      `UPDATE runs SET started_at = $3, status = 'running', finished_at = NULL, host = $4, pid = $5
       WHERE run_id = $1 AND shard = $2`,
      [run.runId, run.shard, startedAt, process.host, process.pid],
    );
  });
}

export async function setRunInputs(database: BillingDatabase, run: RunKey, digests: Record<string, string>) {
  await database.db
    .updateTable("runs")
    .set({ input_digests: JSON.stringify(digests) })
    .where("run_id", "=", run.runId)
    .where("shard", "=", run.shard)
    .execute();
}

/**
 * Marks a share of a run finished and records the credits its credits.csv
 * delivered, in one transaction: a run that dies before this has delivered
 * nothing, and the next run lists its credits again.
 */
export async function completeRun(
  database: BillingDatabase,
  run: RunKey,
  finishedAt: Date,
  catalogueDigest: string,
  summary: unknown,
  deliveredCreditIds: readonly string[],
): Promise<void> {
  await database.transaction(async (session) => {
    await recordDeliveries(session, run, deliveredCreditIds);
    await session.query(
      `UPDATE runs SET finished_at = $3, status = 'finished', catalogue_digest = $4, summary = $5::jsonb
       WHERE run_id = $1 AND shard = $2`,
      [run.runId, run.shard, finishedAt, catalogueDigest, JSON.stringify(summary)],
    );
  });
}

export async function failRun(database: BillingDatabase, run: RunKey, at: Date): Promise<void> {
  await database.db
    .updateTable("runs")
    .set({ finished_at: at, status: "failed" })
    .where("run_id", "=", run.runId)
    .where("shard", "=", run.shard)
    .execute();
}

/**
 * What the stored data looks like, cheaply: stored inputs change only
 * through a reconcile run (a row in `runs`, stamped when it starts and ends)
 * or a credit (a replay's `--issue`).
 */
export async function dataVersion(database: BillingDatabase): Promise<string> {
  const { rows } = await sql<{ version: string }>`
    SELECT (SELECT count(*) || '/' || coalesce(max(greatest(started_at, finished_at))::text, '') FROM runs)
      || '/' || (SELECT count(*) FROM credit_ledger) AS version`.execute(database.db);
  return rows[0]?.version ?? "";
}

/**
 * Marks `interrupted` the runs left `running` on this host whose process is
 * gone (`alive` says), but `self`, which is starting again. Returns them.
 */
export async function markInterrupted(
  database: BillingDatabase,
  self: RunKey,
  host: string,
  alive: (pid: number) => boolean,
): Promise<RunKey[]> {
  const running = await database.db
    .selectFrom("runs")
    .select(["run_id", "shard", "pid"])
    .where("status", "=", "running")
    .where("host", "=", host)
    .execute();
  const dead = running.filter(
    (r) => !(r.run_id === self.runId && r.shard === self.shard) && (r.pid === null || !alive(r.pid)),
  );
  for (const r of dead) {
    await database.db
      .updateTable("runs")
      .set({ status: "interrupted" })
      .where("run_id", "=", r.run_id)
      .where("shard", "=", r.shard)
      .where("status", "=", "running")
      .execute();
  }
  return dead.map((r) => ({ runId: r.run_id, shard: r.shard }));
}

/** The last `limit` finished runs' summaries, oldest first (the whole run's share, or its first): the report's trend. */
export async function recentRunSummaries(
  database: BillingDatabase,
  limit: number,
): Promise<{ runId: string; finishedAt: Date; summary: unknown }[]> {
  const rows = await database.db
    .selectFrom("runs")
    .select(["run_id", "finished_at", "summary"])
    .where("status", "=", "finished")
    .where("summary", "is not", null)
    .where("shard", "like", "1/%")
    .orderBy("finished_at", "desc")
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => ({ runId: r.run_id, finishedAt: r.finished_at as Date, summary: r.summary }));
}
