import { type BillingDatabase, copyRows, inTransaction, type RawSession, type SqlValue } from "@billing/db";
import { formatCents, type PlanPeriod, parseMonth, startOfDayMs } from "@billing/rating";
import { type RawBuilder, sql } from "kysely";
import type { ChunkRaters } from "./chunk-raters.js";
import type { RepeatedId } from "./delivered.js";
import type { Discrepancy } from "./diff.js";
import { accountFor, type OverCredited, type PlannedCredit } from "./ledger.js";
import { issueCredits } from "./ledger-store.js";
import type { MonthRows } from "./month-rows.js";
import type { QuarantineEntry } from "./quarantine.js";
import type { ChunkInput, ChunkOutput, ChunkRatingContext } from "./rate-chunk.js";
import type { RangeReference } from "./reference.js";
import { inShard, type Shard } from "./shard.js";

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
  const db = ctx.database.db;
  const stored = await db
    .selectFrom("usage_months")
    .select("msisdn")
    .where("bill_month", "=", billMonth)
    .where(inRange(range))
    .union(db.selectFrom("bill_months").select("msisdn").where("bill_month", "=", billMonth).where(inRange(range)))
    .execute();
  for (const { msisdn } of stored) set.add(msisdn);
  return [...set].filter((m) => inShard(m, ctx.shard)).sort();
}

/** The msisdns of a range (MsisdnRanges.bounds): from `first` on and before `end`, an absent bound open. */
function inRange({ first, end }: { readonly first?: string; readonly end?: string }): RawBuilder<boolean> {
  const from = first === undefined ? sql`TRUE` : sql`msisdn >= ${first}`;
  const to = end === undefined ? sql`TRUE` : sql`msisdn < ${end}`;
  return sql<boolean>`${from} AND ${to}`;
}

/** The first and last of a chunk's msisdns (inChunk). */
export function keyRange(msisdns: readonly string[]): { first: string; last: string } {
  let first = msisdns[0] as string;
  let last = first;
  for (const m of msisdns) {
    if (m < first) first = m;
    else if (m > last) last = m;
  }
  return { first, last };
}

/**
 * A chunk's stored months looked up by key: `msisdn` within the chunk's first
 * and last, and among its msisdns. A bill month new to a table has no
 * statistics, so given only the list the planner read every stored row of the
 * month for each chunk: a run's cost growing with the square of its size.
 */
function inChunk(msisdns: readonly string[]): RawBuilder<boolean> {
  const { first, last } = keyRange(msisdns);
  return sql<boolean>`msisdn BETWEEN ${first} AND ${last} AND msisdn = ANY(${msisdns})`;
}

/** inChunk for a statement of a RawSession: its text, with parameters `$at` on, and their values. */
function inChunkText(msisdns: readonly string[], at: number): { text: string; values: SqlValue[] } {
  const { first, last } = keyRange(msisdns);
  return {
    text: `msisdn BETWEEN $${at} AND $${at + 1} AND msisdn = ANY($${at + 2})`,
    values: [first, last, msisdns],
  };
}

/** Another run stored one of the chunk's subscriber-months between its read and its write. */
class StoredMeanwhile extends Error {
  override readonly name = "StoredMeanwhile";
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
      return await inTransaction(ctx.database, (session) =>
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
): Promise<{ input: ChunkInput; versions: Map<string, string> }> {
  const db = ctx.database.db;
  const { billMonth, range, msisdns } = chunk;
  const withoutBill = msisdns.filter((m) => !chunk.billed.has(m));
  const [ledger, quarantined, usage, bills] = await Promise.all([
    db
      .selectFrom("credit_ledger")
      .select(["msisdn", "item_key", "occurrence", "idempotency_key", "issue_seq", "refund"])
      .where("bill_month", "=", billMonth)
      .where((eb) => eb("msisdn", "=", eb.fn.any(eb.val(msisdns))))
      .execute(),
    db
      .selectFrom("quarantined_rows")
      .select(["msisdn", "record_id", "reason"])
      .where((eb) => eb("msisdn", "=", eb.fn.any(eb.val(msisdns))))
      .where("record_id", "is not", null)
      .where("reason", "not like", "duplicate record_id%")
      .execute(),
    db
      .selectFrom("usage_months")
      .select(["msisdn", "records", sql<string>`xmin::text`.as("version")])
      .where("bill_month", "=", billMonth)
      .where(inChunk(msisdns))
      .execute(),
    withoutBill.length === 0
      ? []
      : db
          .selectFrom("bill_months")
          .select(["msisdn", "lines"])
          .where("bill_month", "=", billMonth)
          .where(inChunk(withoutBill))
          .execute(),
  ]);
  return {
    input: {
      billMonth,
      range,
      msisdns,
      storedUsage: usage.map((u) => [u.msisdn, u.records] as const),
      storedBills: bills.map((b) => [b.msisdn, b.lines] as const),
      ledger,
      quarantined,
      periods: entriesOf(chunk.reference.periods, msisdns),
      subscriptions: entriesOf(chunk.reference.subscriptions, msisdns),
    },
    versions: new Map(usage.map((u) => [u.msisdn, u.version])),
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

/** Is this the server's or PGlite's error for a key already stored? */
const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "23505";

/**
 * Stores subscriber-month rows by COPY (binary): a statement carrying a chunk's JSON
 * as one parameter (about 5 MB) made the server fault in fresh memory for
 * every chunk, and that cost it more than storing the rows. To `replace`,
 * the rows stored under the same keys are deleted first.
 */
async function copyMonthRows(
  session: RawSession,
  table: "usage_months" | "bill_months",
  billMonth: string,
  rows: MonthRows,
  how: "add" | "replace",
): Promise<void> {
  if (rows.msisdns.length === 0) return;
  if (how === "replace") {
    const keys = inChunkText(rows.msisdns, 2);
    await session.query(`DELETE FROM ${table} WHERE bill_month = $1 AND ${keys.text}`, [billMonth, ...keys.values]);
  }
  const column = table === "usage_months" ? "records" : "lines";
  await session.copyBinary(table, ["bill_month", "msisdn", column], rows.rows);
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
  // A first delivery goes in only if the subscriber-month is still absent: a key stored meanwhile fails the COPY.
  await copyMonthRows(session, "usage_months", billMonth, out.fresh, "add").catch((error) => {
    throw isUniqueViolation(error) ? new StoredMeanwhile() : error;
  });
  if (out.merged.msisdns.length > 0) {
    const keys = inChunkText(out.merged.msisdns, 2);
    // Each write of a row makes a new version of it, with the writing transaction's id as its xmin.
    const locked = await session.query<{ msisdn: string; version: string }>(
      `SELECT msisdn, xmin::text AS version FROM usage_months
       WHERE bill_month = $1 AND ${keys.text} ORDER BY msisdn FOR UPDATE`,
      [billMonth, ...keys.values],
    );
    if (locked.some((row) => versions.get(row.msisdn) !== row.version)) throw new StoredMeanwhile();
    await copyMonthRows(session, "usage_months", billMonth, out.merged, "replace");
  }
  await copyMonthRows(session, "bill_months", billMonth, out.bills, "replace");
  await storeDiscrepancies(session, ctx, billMonth, msisdns, out.discrepancies, periods);
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

const DISCREPANCY_COLUMNS = [
  "run_id",
  "bill_month",
  "msisdn",
  "account_id",
  "item_key",
  "occurrence",
  "class",
  "billed",
  "expected",
  "difference",
  "refund",
  "explanation",
];

async function storeDiscrepancies(
  session: RawSession,
  ctx: MonthContext,
  billMonth: string,
  msisdns: readonly string[],
  discrepancies: readonly Discrepancy[],
  periods: ReadonlyMap<string, readonly PlanPeriod[]>,
) {
  const money = (cents: number | null) => (cents === null ? null : formatCents(cents));
  const keys = inChunkText(msisdns, 3);
  await session.query(`DELETE FROM discrepancies WHERE run_id = $1 AND bill_month = $2 AND ${keys.text}`, [
    ctx.runId,
    billMonth,
    ...keys.values,
  ]);
  await session.copy(
    "discrepancies",
    DISCREPANCY_COLUMNS,
    copyRows(
      discrepancies.map((d) => [
        ctx.runId,
        d.billMonth,
        d.msisdn,
        accountFor(periods.get(d.msisdn) ?? [], d.billMonth)?.accountId ?? "",
        d.itemKey,
        d.occurrence,
        d.class,
        money(d.billedCents),
        money(d.expectedCents),
        money(d.differenceCents),
        formatCents(d.refundCents),
        d.explanation,
      ]),
    ),
  );
}
