import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BillingDatabase } from "@billing/db";
import { UNRATABLE_STATUSES } from "@billing/rating";
import {
  type FileCount,
  ingestBills,
  ingestCdrs,
  loadCatalogue,
  loadSubscribers,
  loadSubscriptions,
} from "./ingest.js";
import { findInputs, inputDigests } from "./inputs.js";
import { accountFor } from "./ledger.js";
import { CREDIT_HEADER, CsvOutput, creditFields, DISCREPANCY_HEADER, discrepancyFields } from "./outputs.js";
import { QuarantineSink } from "./quarantine.js";
import { directoryOf, type MonthContext, msisdnsInScope, reconcileChunk } from "./reconcile-months.js";
import { formatShard, type Shard, WHOLE_RUN } from "./shard.js";
import { buildSummary, RunTotals, type Summary } from "./summary.js";

export interface ReconcileOptions {
  readonly inDir: string;
  readonly outDir: string;
  readonly database: BillingDatabase;
  /** Names the run; processes sharing one run pass the same id. */
  readonly runId: string;
  readonly shard?: Shard;
  /** The clock, read at the start and the end of the run only. */
  readonly now?: () => Date;
  /** Subscribers per chunk: the unit rated, diffed and written to the ledger in one transaction. */
  readonly chunkSize?: number;
}

/**
 * The nightly run (cli.md, `billing reconcile`): ingest DIR, rate every
 * subscriber-month of the bill months it touches, diff against the BOSS bill,
 * issue owed credits through the ledger, and write the outputs of formats.md.
 */
export async function reconcile(options: ReconcileOptions): Promise<Summary> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const shard = options.shard ?? WHOLE_RUN;
  const { database, runId } = options;
  await mkdir(options.outDir, { recursive: true });
  const inputs = await findInputs(options.inDir);
  const digests = await inputDigests(inputs);
  await database.db
    .insertInto("runs")
    .values({
      run_id: runId,
      shard: formatShard(shard),
      started_at: started,
      status: "running",
      input_digests: JSON.stringify(digests),
      catalogue_digest: null,
      summary: null,
    })
    .onConflict((oc) =>
      oc.columns(["run_id", "shard"]).doUpdateSet({ started_at: started, status: "running", finished_at: null }),
    )
    .execute();

  const quarantine = new QuarantineSink(join(options.outDir, "quarantine.csv"), database.db, runId);
  const counts = new Map<string, FileCount>();
  const ingest = { database, inputs, shard, quarantine, counts };
  try {
    const { catalogue, digest: catalogueDigest } = await loadCatalogue(ingest);
    const periods = await loadSubscribers(ingest);
    const subscriptions = await loadSubscriptions(ingest);
    const months = new Set<string>();
    const cdrs = await ingestCdrs(ingest, months);
    await ingestBills(ingest, months);
    await quarantine.close();

    const ctx: MonthContext = {
      database,
      catalogue,
      catalogueDigest,
      periods,
      subscriptions,
      directory: directoryOf(periods),
      shard,
      runId,
      inputDigests: digests,
    };
    const totals = new RunTotals();
    totals.cdrOtherShards = cdrs.otherShards;
    const discrepanciesOut = new CsvOutput(join(options.outDir, "discrepancies.csv"), DISCREPANCY_HEADER);
    const creditsOut = new CsvOutput(join(options.outDir, "credits.csv"), CREDIT_HEADER);
    const chunkSize = options.chunkSize ?? 500;
    const sortedMonths = [...months].sort();
    for (const billMonth of sortedMonths) {
      const msisdns = await msisdnsInScope(ctx, billMonth);
      for (let i = 0; i < msisdns.length; i += chunkSize) {
        const result = await reconcileChunk(ctx, billMonth, msisdns.slice(i, i + chunkSize));
        totals.subscriberMonths += Math.min(chunkSize, msisdns.length - i);
        for (const item of result.items) {
          totals.itemsRated += 1;
          if (UNRATABLE_STATUSES.has(item.status)) {
            totals.unratable.set(item.status, (totals.unratable.get(item.status) ?? 0) + 1);
          }
          if (item.record && cdrs.ids.has(item.record.recordId)) {
            if (item.status === "duplicate_usage") totals.cdrDuplicates += 1;
            else totals.cdrRated += 1;
          }
        }
        totals.itemsMatched += result.matched;
        for (const d of result.discrepancies) {
          totals.addDiscrepancy(d);
          await discrepanciesOut.write(discrepancyFields(d, accountFor(periods.get(d.msisdn) ?? [], d.billMonth)));
        }
        for (const c of result.issued) {
          totals.addCredit(c);
          await creditsOut.write(creditFields(c));
        }
        totals.overCredited.push(...result.overCredited);
        totals.noAccount.push(...result.noAccount);
      }
    }
    await discrepanciesOut.close();
    await creditsOut.close();

    const finished = now();
    const summary = buildSummary(
      {
        runId,
        shard: formatShard(shard),
        database: database.label,
        catalogueDigest,
        inputDigests: digests,
        cdrFiles: inputs.cdrs,
        counts,
        quarantineByReason: quarantine.byReason,
        months: sortedMonths,
        durationMs: finished.getTime() - started.getTime(),
      },
      totals,
    );
    await writeFile(join(options.outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    await database.db
      .updateTable("runs")
      .set({
        finished_at: finished,
        status: "finished",
        catalogue_digest: catalogueDigest,
        summary: JSON.stringify(summary),
      })
      .where("run_id", "=", runId)
      .where("shard", "=", formatShard(shard))
      .execute();
    return summary;
  } catch (error) {
    await quarantine.close().catch(() => {});
    await database.db
      .updateTable("runs")
      .set({ finished_at: now(), status: "failed" })
      .where("run_id", "=", runId)
      .where("shard", "=", formatShard(shard))
      .execute()
      .catch(() => {});
    throw error;
  }
}
