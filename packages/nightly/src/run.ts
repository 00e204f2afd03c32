import { mkdir, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import {
  type BillingDatabase,
  clearQuarantined,
  completeRun,
  disputeCounts,
  failRun,
  markInterrupted,
  periodsQuarantined,
  quarantinedRecordIds,
  recentRunSummaries,
  setRunInputs,
  startRun,
  undeliveredCredits,
} from "@billing/db";
import { DISCREPANCY_HEADER, discrepancyFields, formatShard, inShard, type Shard, WHOLE_RUN } from "@billing/formats";
import {
  countFor,
  type FileCount,
  findCuts,
  findInputs,
  processAlive,
  RANGE_INPUT_BYTES,
  rangeReference,
  removeSpills,
  type SpilledInput,
  type SpillFiles,
  type SplitReading,
  spilledMsisdns,
  spillLocations,
  spillReference,
  spillUsage,
  subscriberRanges,
} from "@billing/ingest";
import { accountFor, directoryOfTable } from "@billing/reconciliation";
import pLimit from "p-limit";
import { loadCatalogue } from "./catalogue.js";
import { type ChunkRaters, chunkRaters } from "./chunk-raters.js";
import { checkFeed, type IncompleteMonth } from "./completeness.js";
import { CreditsFile } from "./credits-file.js";
import { CsvOutput } from "./csv-output.js";
import { inputDigests } from "./input-digests.js";
import { DatabaseQuarantine } from "./quarantine.js";
import { type ChunkResult, type MonthContext, msisdnsInScope, reconcileChunk } from "./reconcile-months.js";
import { storeReference } from "./reference.js";
import { ReportTotals, renderReport } from "./report.js";

/** Earlier runs the report's trend shows beside this one. */
const TREND_RUNS = 13;

import { workerParts } from "./spill-parts.js";
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
  /** Bytes of CDR and bill input per msisdn range, the part of the input held in memory at once (RANGE_INPUT_BYTES). */
  readonly rangeBytes?: number;
  /**
   * Usage files of at least `minBytes` are read in two halves at once, the
   * second on a worker thread (on this one after the first when `inline`:
   * tests run from sources); none when not given.
   */
  readonly splitReading?: { readonly minBytes: number; readonly inline?: boolean };
  /** Worker threads that rate chunks while this thread reads and writes; 0 (the default) rates on this thread. */
  readonly threads?: number;
  /** Subscribers per chunk: the unit rated, diffed and written to the ledger in one transaction. */
  readonly chunkSize?: number;
  /** Bill months to reconcile even when their feed looks incomplete (`--accept-incomplete`). */
  readonly acceptIncomplete?: readonly string[];
  /** Called as work advances, for a progress display. */
  readonly onProgress?: (progress: Progress) => void;
}

/**
 * Ingest counts bytes of the CDR and bill files (and the rows they held);
 * reconcile counts msisdn ranges of each bill month (and the
 * subscriber-months they held): how many subscriber-months a range holds is
 * known only when its turn comes.
 */
export interface Progress {
  readonly phase: "ingest" | "reconcile";
  readonly done: number;
  readonly total: number;
  /** Ingest: rows read so far; reconcile: subscriber-months done so far. */
  readonly rows?: number;
}

/**
 * Rates, diffs and credits every subscriber-month in scope, bill month by bill
 * month and msisdn range by range (one range's delivered input and reference
 * data in memory at a time), writing discrepancies.csv and credits.csv in
 * (bill month, msisdn) order.
 */
async function reconcileMonths(
  ctx: MonthContext,
  raters: ChunkRaters,
  spilled: SpilledInput,
  reference: { readonly spill: SpillFiles; readonly overlapping: ReadonlySet<string> },
  quarantine: DatabaseQuarantine,
  counts: Map<string, FileCount>,
  creditsOut: CreditsFile,
  totals: RunTotals,
  skip: ReadonlySet<string>,
  options: ReconcileOptions,
): Promise<{ months: string[]; totals: RunTotals; report: ReportTotals }> {
  const report = new ReportTotals();
  const discrepanciesOut = new CsvOutput(join(options.outDir, "discrepancies.csv"), DISCREPANCY_HEADER);
  const record = async (result: ChunkResult) => {
    totals.cdrRated += result.cdrRated;
    totals.cdrDuplicates += result.cdrDuplicates;
    totals.itemsRated += result.itemsRated;
    for (const [status, n] of result.unratable) totals.unratable.set(status, (totals.unratable.get(status) ?? 0) + n);
    totals.itemsMatched += result.matched;
    for (const d of result.discrepancies) {
      const account = accountFor(result.periods.get(d.msisdn) ?? [], d.billMonth);
      totals.addDiscrepancy(d);
      report.add(d, account);
      await discrepanciesOut.write(discrepancyFields(d, account));
    }
    for (const c of result.issued) {
      totals.addCredit(c);
      await creditsOut.write(c);
    }
    totals.overCredited.push(...result.overCredited);
    totals.noAccount.push(...result.noAccount);
    for (const m of result.malformed) {
      countFor({ counts }, m.file).quarantined += 1;
      await quarantine.add(m);
    }
    for (const r of result.repeated) {
      const count = countFor({ counts }, r.file);
      count.quarantined += 1;
      count.duplicateIds += 1;
      const reason = `duplicate record_id ${r.recordId}`;
      const none = { recordId: null, msisdn: null, billMonth: null, recordUnreadable: false, referenceItem: null };
      await quarantine.add({ file: r.file, line: r.line, reason, raw: r.raw, ...none });
    }
  };

  // Each msisdn range is rated on one lane of raters (laneOf), which reads its
  // spill once; lanes take ranges in turn. Chunks run concurrently: while a lane
  // rates one, this thread reads the next from the database and stores the last
  // (and on a server, its connections work in parallel). Results are written in
  // order, those of at most lanes + 1 ranges held at once.
  const chunkSize = options.chunkSize ?? 500;
  // Chunks in flight a lane: on worker threads two keep each busy; without, a database of parallel writers
  // overlaps three chunks' reads and writes, and one in this process gains nothing from more.
  const perLane = (options.threads ?? 0) > 0 ? 2 : ctx.database.capabilities.parallelWriters ? 3 : 1;
  const limits = Array.from({ length: raters.lanes }, () => pLimit(perLane));
  const months = [...spilled.months].filter((m) => !skip.has(m)).sort();
  const turns = months.length * spilled.ranges.count;
  /** Chunk results in order, each with its turn: the place of its bill month and range among the run's. */
  const pending: { turn: number; result: Promise<ChunkResult> }[] = [];
  let turn = 0;
  let rows = 0;
  const settle = async () => {
    const result = await (pending.shift() as (typeof pending)[number]).result;
    await record(result);
    rows += result.subscriberMonths;
    // Every turn before the first still pending is done.
    const done = pending[0]?.turn ?? turn;
    options.onProgress?.({ phase: "reconcile", done, total: turns, rows });
  };
  for (const month of months) {
    for (let range = 0; range < spilled.ranges.count; range++, turn++) {
      while (pending.length > 0 && (pending[0] as (typeof pending)[number]).turn + raters.lanes < turn) await settle();
      // A range's scope is found when its turn comes, while the lanes rate the ranges before it.
      const data = rangeReference(reference.spill, range, ctx.shard, false, reference.overlapping);
      const billed = spilledMsisdns(spilled.spills, "bill", month, range);
      const delivered = spilledMsisdns(spilled.spills, "cdr", month, range);
      for (const msisdn of billed) delivered.add(msisdn);
      const scope = await msisdnsInScope(ctx, month, spilled.ranges.bounds(range), data, delivered);
      const limit = limits[raters.laneOf(range)] as (typeof limits)[number];
      for (let i = 0; i < scope.length; i += chunkSize) {
        const msisdns = scope.slice(i, i + chunkSize);
        totals.subscriberMonths += msisdns.length;
        const chunk = { billMonth: month, range, msisdns, billed, reference: data };
        pending.push({ turn, result: limit(() => reconcileChunk(ctx, raters, chunk)) });
      }
    }
  }
  while (pending.length > 0) await settle();
  options.onProgress?.({ phase: "reconcile", done: turns, total: turns, rows });
  await discrepanciesOut.close();
  await creditsOut.close();
  return { months, totals, report };
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
  const shardText = formatShard(shard);
  const { database, runId } = options;
  await mkdir(options.outDir, { recursive: true });
  const inputs = await findInputs(options.inDir);
  // Hashed on another thread while this one reads the reference data; the run's
  // record names no digests ({}) until then. Its failure is the run's, when awaited.
  const digesting = inputDigests(inputs);
  digesting.catch(() => {});
  // Where to cut the usage files in two is looked for meanwhile too, on this thread between reads.
  const split = options.splitReading;
  const splitReading: SplitReading | undefined = split && {
    minBytes: split.minBytes,
    ...(!split.inline && { parts: workerParts }),
  };
  const cuts = findCuts(inputs, splitReading);
  const run = { runId, shard: shardText };
  await startRun(database, run, started, { host: hostname(), pid: process.pid }, processAlive);
  await markInterrupted(database, run, hostname(), processAlive);
  // What earlier runs issued and no completed run delivered goes first into this run's credits.csv.
  const totals = new RunTotals();
  const creditsOut = new CreditsFile(options.outDir);
  for (const credit of await undeliveredCredits(database, run)) {
    if (!inShard(credit.key.msisdn, shard)) continue;
    totals.addEarlierCredit(credit);
    await creditsOut.write(credit);
  }

  const quarantine = new DatabaseQuarantine(database, runId, shardText);
  const counts = new Map<string, FileCount>();
  const sizes = new Map<string, number>();
  for (const file of [...inputs.cdrs, ...inputs.bills]) sizes.set(file, (await stat(join(inputs.dir, file))).size);
  const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  const readSoFar = new Map<string, number>();
  const onBytes = (file: string, bytes: number) => {
    readSoFar.set(file, bytes);
    const done = [...readSoFar.values()].reduce((a, b) => a + b, 0);
    const rows = [...inputs.cdrs, ...inputs.bills].reduce((n, f) => n + (counts.get(f)?.read ?? 0), 0);
    options.onProgress?.({ phase: "ingest", done, total: totalBytes, rows });
  };
  const ingest = { inputs, shard, quarantine, counts, onBytes };
  try {
    const phases: Record<string, number> = {};
    let mark = performance.now();
    const lap = (phase: string) => {
      const at = performance.now();
      phases[phase] = Math.round(at - mark);
      mark = at;
    };
    await clearQuarantined(database, runId, shardText);
    const { catalogue, digest: catalogueDigest, text: catalogueText } = await loadCatalogue(database, inputs);
    const rangeBytes = options.rangeBytes ?? RANGE_INPUT_BYTES;
    const ranges = await subscriberRanges(ingest, Math.ceil(totalBytes / shard.count / rangeBytes));
    const reference = await spillReference(ingest, ranges);
    let digests: Record<string, string>;
    let reconciled: Awaited<ReturnType<typeof reconcileMonths>>;
    let quarantineByReason: Map<string, number>;
    let incomplete: IncompleteMonth[] = [];
    try {
      // A server stores it while this thread reads the usage files; a database in this
      // process works on this thread, so there it goes first (at once, it only raised its peak memory).
      const store = () => storeReference(database, ingest, reference, ranges);
      const storedFirst = database.capabilities.inProcess ? await store() : undefined;
      lap("reference_data");
      digests = await digesting;
      await setRunInputs(database, run, digests);
      // What is left of hashing when the reference data is read: none on two cores or more.
      lap("input_digests");
      const [spilling, storing] = await Promise.allSettled([
        spillUsage(ingest, ranges, splitReading, cuts),
        storedFirst ?? store(),
      ]);
      if (spilling.status === "rejected") throw spilling.reason;
      const spilled = spilling.value;
      try {
        if (storing.status === "rejected") throw storing.reason;
        const { vpmn, overlapping } = storing.value;
        // Rating reads what was quarantined; the rows of the last batch must be there too.
        await quarantine.flush();
        lap("read_usage");
        const ctx: MonthContext = {
          database,
          catalogue,
          catalogueDigest,
          directory: directoryOfTable(vpmn),
          shard,
          runId,
          inputDigests: digests,
          cdrFiles: inputs.cdrs,
          billFiles: inputs.bills,
          cdrColumns: spilled.cdrColumns,
          billColumns: spilled.billColumns,
          quarantinedIds: await quarantinedRecordIds(database, [...spilled.months]),
          periodsQuarantined: await periodsQuarantined(database, { runId }),
        };
        const raters = chunkRaters(ctx, catalogueText, vpmn, spillLocations(spilled), options.threads ?? 0);
        try {
          // A month whose feed is incomplete is not reconciled at all: nothing of it stored, nothing credited.
          const accepted = new Set(options.acceptIncomplete ?? []);
          incomplete = (await checkFeed(database, raters, [...spilled.months].sort(), spilled.ranges.count)).filter(
            (m) => !accepted.has(m.month),
          );
          const skip = new Set(incomplete.map((m) => m.month));
          reconciled = await reconcileMonths(
            ctx,
            raters,
            spilled,
            { spill: reference, overlapping },
            quarantine,
            counts,
            creditsOut,
            totals,
            skip,
            options,
          );
        } finally {
          await raters.close();
        }
        lap("rate_diff_credit");
        quarantineByReason = await quarantine.writeCsv(join(options.outDir, "quarantine.csv"));
      } finally {
        removeSpills(spilled);
      }
    } finally {
      reference.remove();
    }
    const { months, report } = reconciled;

    const finished = now();
    const summary = buildSummary(
      {
        runId,
        shard: shardText,
        database: database.label,
        catalogueDigest,
        inputDigests: digests,
        cdrFiles: inputs.cdrs,
        counts,
        quarantineByReason,
        months,
        incompleteMonths: incomplete,
        durationMs: finished.getTime() - started.getTime(),
        phasesMs: phases,
      },
      totals,
    );
    await writeFile(join(options.outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    const earlier = (await recentRunSummaries(database, TREND_RUNS)).map((r) => ({
      runId: r.runId,
      finishedAt: r.finishedAt.toISOString().slice(0, 16).replace("T", " "),
      summary: r.summary as Summary,
    }));
    const disputes = await disputeCounts(database, finished.getTime());
    await writeFile(join(options.outDir, "report.html"), renderReport(summary, report, earlier, disputes));
    await creditsOut.publish();
    await completeRun(database, run, finished, catalogueDigest, summary, creditsOut.delivered);
    return summary;
  } catch (error) {
    await creditsOut.discard();
    await failRun(database, run, now()).catch(() => {});
    throw error;
  }
}
