import {
  type BillingDatabase,
  issueCredits,
  ledgerOf,
  type RawSession,
  readStoredChunk,
  referenceQuarantined,
  StoredMeanwhile,
  storeChunkRows,
  storeDiscrepancies,
  storedMsisdns,
  unreadableOf,
  usageQuarantined,
} from "@billing/db";
import { inShard, type QuarantineEntry, type Shard } from "@billing/formats";
import type { RangeReference, RepeatedId } from "@billing/ingest";
import { type PlanPeriod, parseMonth, startOfDayMs } from "@billing/rating";
import { accountFor, type Discrepancy, type OverCredited, type PlannedCredit } from "@billing/reconciliation";
import type { ChunkRaters } from "./chunk-raters.js";
import type { ChunkInput, ChunkOutput, ChunkRatingContext } from "./rate-chunk.js";

export interface MonthContext extends ChunkRatingContext {
  readonly database: BillingDatabase;
  readonly catalogueDigest: string;
  readonly shard: Shard;
  readonly inputDigests: Readonly<Record<string, string>>;
}

/** What one chunk of subscriber-months produced, in msisdn order. */
export interface ChunkResult {
  /** Items rated, and those of them that could not be rated by status (the items themselves are not kept). */
  readonly itemsRated: number;
  readonly unratable: ReadonlyMap<string, number>;
  readonly discrepancies: readonly Discrepancy[];
  readonly matched: number;
  /** Credits this run inserted into the ledger. */
  readonly issued: readonly PlannedCredit[];
  readonly overCredited: readonly OverCredited[];
  readonly noAccount: readonly Discrepancy[];
  readonly subscriberMonths: number;
  /** The plan periods of this share's subscribers in the chunk's range (for the accounts of its discrepancies). */
  readonly periods: ReadonlyMap<string, readonly PlanPeriod[]>;
  /** Of the records this run delivered: rated (unratable included), and second deliveries of one event. */
  readonly cdrRated: number;
  readonly cdrDuplicates: number;
  /** Delivered rows repeating a record_id delivered before them in this run, to quarantine. */
  readonly repeated: readonly RepeatedId[];
  /** Delivered rows that are malformed, to quarantine. */
  readonly malformed: readonly QuarantineEntry[];
}

/**
 * The msisdns of this shard in one range to reconcile in a month, in order:
 * everyone with a plan period or subscription active in it, with CDRs or
 * bill lines of it stored, or delivered by this run.
 */
export async function msisdnsInScope(
  ctx: MonthContext,
  billMonth: string,
  range: { readonly first?: string; readonly end?: string },
  reference: Pick<RangeReference, "periods" | "subscriptions">,
  delivered: Iterable<string>,
): Promise<string[]> {
  const span = parseMonth(billMonth);
  if (!span) throw new RangeError(billMonth);
  const set = new Set<string>(delivered);
  const monthStart = `${billMonth}-01`;
  const startMs = startOfDayMs(span.firstDay);
  const endMs = startOfDayMs(span.endDay);
  for (const [msisdn, list] of reference.periods) {
    if (list.some((p) => p.activeFrom < `${billMonth}-32` && (p.activeTo === null || p.activeTo > monthStart))) {
      set.add(msisdn);
    }
  }
  for (const [msisdn, list] of reference.subscriptions) {
    if (list.some((s) => s.orderedMs < endMs && (s.cancelledMs === null || s.cancelledMs >= startMs))) set.add(msisdn);
  }
  for (const msisdn of await storedMsisdns(ctx.database, billMonth, range)) set.add(msisdn);
  return [...set].filter((m) => inShard(m, ctx.shard)).sort();
}

const ATTEMPTS = 5;

/** A chunk: msisdns of one bill month and msisdn range, in order. */
export interface Chunk {
  readonly billMonth: string;
  readonly range: number;
  readonly msisdns: readonly string[];
  /** Those of the range's msisdns this run delivered bill lines for in the month (spilledMsisdns). */
  readonly billed: ReadonlySet<string>;
  /** The reference data of the chunk's range. */
  readonly reference: RangeReference;
}

/**
 * Rates, diffs and credits a chunk of subscriber-months of one bill month:
 * reads what is stored, rates it with this run's delivery (on a worker
 * thread), then stores the delivery, the discrepancies and the credits in
 * one transaction. That transaction checks that no other run stored any of
 * the chunk's subscriber-months meanwhile (a first delivery is inserted only
 * if still absent, a merged one written only if unchanged, under FOR UPDATE);
 * if one did, the chunk is read and rated again.
 */
export async function reconcileChunk(ctx: MonthContext, raters: ChunkRaters, chunk: Chunk): Promise<ChunkResult> {
  for (let attempt = 1; ; attempt++) {
    const { input, versions } = await readChunk(ctx, chunk);
    const out = await raters.rate(input);
    try {
      return await ctx.database.transaction((session) =>
        storeChunk(session, ctx, input, out, versions, chunk.reference.periods),
      );
    } catch (error) {
      if (!(error instanceof StoredMeanwhile) || attempt === ATTEMPTS) throw error;
    }
  }
}

async function readChunk(
  ctx: MonthContext,
  chunk: Chunk,
): Promise<{ input: ChunkInput; versions: ReadonlyMap<string, string> }> {
  const { billMonth, range, msisdns } = chunk;
  const withoutBill = msisdns.filter((m) => !chunk.billed.has(m));
  const [ledger, reference, usageRows, stored] = await Promise.all([
    ledgerOf(ctx.database, billMonth, msisdns),
    referenceQuarantined(ctx.database, msisdns, ctx.runId),
    usageQuarantined(ctx.database, msisdns, billMonth),
    readStoredChunk(ctx.database, billMonth, msisdns, withoutBill),
  ]);
  return {
    input: {
      billMonth,
      range,
      msisdns,
      storedUsage: stored.usage,
      storedBills: stored.bills,
      ledger,
      unreadable: new Map(
        [...usageRows].flatMap(([msisdn, rows]) => {
          const reason = unreadableOf(rows);
          return reason === null ? [] : [[msisdn, reason] as const];
        }),
      ),
      reference,
      usageRows,
      periods: entriesOf(chunk.reference.periods, msisdns),
      subscriptions: entriesOf(chunk.reference.subscriptions, msisdns),
    },
    versions: stored.versions,
  };
}

/** The entries of `map` for `keys`, of the keys it has. */
function entriesOf<T>(map: ReadonlyMap<string, T>, keys: readonly string[]): [string, T][] {
  const out: [string, T][] = [];
  for (const key of keys) {
    const value = map.get(key);
    if (value !== undefined) out.push([key, value]);
  }
  return out;
}

async function storeChunk(
  session: RawSession,
  ctx: MonthContext,
  input: ChunkInput,
  out: ChunkOutput,
  versions: ReadonlyMap<string, string>,
  periods: ReadonlyMap<string, readonly PlanPeriod[]>,
): Promise<ChunkResult> {
  const { billMonth, msisdns } = input;
  await storeChunkRows(session, billMonth, out, versions);
  await storeDiscrepancies(
    session,
    ctx.runId,
    billMonth,
    msisdns,
    out.discrepancies.map((d) => ({
      ...d,
      accountId: accountFor(periods.get(d.msisdn) ?? [], d.billMonth)?.accountId ?? "",
    })),
  );
  const issued = await issueCredits(session, out.planned, {
    runId: ctx.runId,
    inputDigests: ctx.inputDigests,
    catalogueDigest: ctx.catalogueDigest,
  });
  return {
    itemsRated: out.itemsRated,
    unratable: new Map(out.unratable),
    discrepancies: out.discrepancies,
    matched: out.matched,
    issued,
    overCredited: out.overCredited,
    noAccount: out.noAccount,
    subscriberMonths: msisdns.length,
    periods,
    cdrRated: out.cdrRated,
    cdrDuplicates: out.cdrDuplicates,
    repeated: out.repeated,
    malformed: out.malformed,
  };
}
