import { sql } from "kysely";
import type { BillingDatabase } from "../dialect.js";

/** A share of a run (run_id, shard) as `runs` records it. */
export interface RunKey {
  readonly runId: string;
  readonly shard: string;
}

/** Records a share of a run as running; a share started again is running again. */
export async function startRun(database: BillingDatabase, run: RunKey, startedAt: Date): Promise<void> {
  await database.db
    .insertInto("runs")
    .values({
      run_id: run.runId,
      shard: run.shard,
      started_at: startedAt,
      status: "running",
      input_digests: "{}",
      catalogue_digest: null,
      summary: null,
    })
    .onConflict((oc) =>
      oc.columns(["run_id", "shard"]).doUpdateSet({ started_at: startedAt, status: "running", finished_at: null }),
    )
    .execute();
}

export async function setRunInputs(database: BillingDatabase, run: RunKey, digests: Record<string, string>) {
  await database.db
    .updateTable("runs")
    .set({ input_digests: JSON.stringify(digests) })
    .where("run_id", "=", run.runId)
    .where("shard", "=", run.shard)
    .execute();
}

export async function finishRun(
  database: BillingDatabase,
  run: RunKey,
  finishedAt: Date,
  catalogueDigest: string,
  summary: unknown,
): Promise<void> {
  await database.db
    .updateTable("runs")
    .set({
      finished_at: finishedAt,
      status: "finished",
      catalogue_digest: catalogueDigest,
      summary: JSON.stringify(summary),
    })
    .where("run_id", "=", run.runId)
    .where("shard", "=", run.shard)
    .execute();
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
