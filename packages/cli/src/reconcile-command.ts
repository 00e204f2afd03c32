import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { chooseTarget, openDatabase, RunAlreadyRunning } from "@billing/db";
import { formatShard, InputError, type Shard } from "@billing/formats";
import { parallelism, reconcile, type Summary } from "@billing/nightly";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";
import { progressBar } from "./progress.js";

export interface ReconcileArgs {
  readonly in: string;
  readonly out: string;
  readonly database?: string;
  readonly shard?: Shard;
  readonly runId?: string;
  readonly chunkSize: number;
  readonly acceptIncomplete?: readonly string[];
}

/** How far (%) V8 lets the old generation grow past what a full collection left live (decision 15). */
const HEAP_GROWING_PERCENT = 100;

export async function reconcileCommand(args: ReconcileArgs, io: Io): Promise<number> {
  const database = await openDatabase(chooseTarget(args.database, io.env));
  // V8 reads this at each collection; set before the reference data is read.
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const progress = progressBar(io);
  try {
    const runId = args.runId ?? newRunId(io.now());
    const summary = await reconcile({
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      inDir: args.in,
      outDir: args.out,
      database,
      runId,
      now: io.now,
      chunkSize: args.chunkSize,
      ...(args.acceptIncomplete && { acceptIncomplete: args.acceptIncomplete }),
      ...parallelism(database.capabilities),
      ...(args.shard ? { shard: args.shard } : {}),
    });
    progress.stop();
    io.stdout(report(summary, args.out));
    for (const { month, reason } of summary.incomplete_months) {
      io.stderr(
        `billing reconcile: ${month} not reconciled, nothing of it stored or credited: ${reason} ` +
          `(once checked, --accept-incomplete ${month} reconciles it)\n`,
      );
    }
    return summary.cdrs.adds_up && summary.incomplete_months.length === 0 ? EXIT.ok : EXIT.problems;
  } catch (error) {
    if (error instanceof RunAlreadyRunning) {
      io.stderr(`billing reconcile: ${error.message}\n`);
      return EXIT.problems;
    }
    if (error instanceof InputError) {
      io.stderr(`billing reconcile: ${error.message}\n${error.details.map((d) => `  ${d}\n`).join("")}`);
      return EXIT.problems;
    }
    throw error;
  } finally {
    progress.stop();
    await database.close();
  }
}

export function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `run-${stamp}-${randomBytes(3).toString("hex")}`;
}

function report(s: Summary, outDir: string): string {
  const c = s.cdrs;
  const check = c.adds_up ? "adds up" : "DOES NOT ADD UP";
  const unratable = Object.entries(c.unratable)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const refunding = Object.entries(s.discrepancies)
    .filter(([, d]) => d.count > 0)
    .map(([cls, d]) => `${d.count} ${cls}`)
    .join(", ");
  return [
    `run ${s.run_id} (share ${s.shard}) on ${s.database}, bill months ${s.bill_months.join(", ") || "none"}`,
    `CDRs: ${c.read} read = ${c.rated} rated + ${c.quarantined} quarantined + ${c.duplicates} duplicate events` +
      `${s.shard === formatShard({ index: 1, count: 1 }) ? "" : ` + ${c.other_shards} in other shares`}: ${check}` +
      `${unratable ? ` (unratable: ${unratable})` : ""}`,
    `items: ${s.items.rated} rated in ${s.items.subscriber_months} subscriber-months, ${s.items.matched} matched, ` +
      `${s.items.discrepancies} discrepancies${refunding ? ` (${refunding})` : ""}`,
    `credits: ${s.credits.issued} issued, refund ${s.credits.refund} (overcharge ${s.credits.overcharge} returned + the same again)` +
      `${s.credits.over_credited.length > 0 ? `; ${s.credits.over_credited.length} over-credited keys for review` : ""}`,
    ...(s.credits.delivered_from_earlier_runs.credits > 0
      ? [
          `credits.csv also lists ${s.credits.delivered_from_earlier_runs.credits} credit(s) of earlier runs that never delivered them, refund ${s.credits.delivered_from_earlier_runs.refund}`,
        ]
      : []),
    `quarantine: ${s.quarantine.rows} rows; outputs in ${outDir}`,
    "",
  ].join("\n");
}
