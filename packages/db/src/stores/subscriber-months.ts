import {
  byItemThenOccurrence,
  type DiscrepancyRow,
  type MonthRows,
  parseStoredBill,
  parseStoredRecords,
  usageFromStored,
} from "@billing/formats";
import { formatCents } from "@billing/rating";
import type { ReplayInputs } from "@billing/reconciliation";
import { type RawBuilder, sql } from "kysely";
import { copyRows } from "../copy-text.js";
import type { BillingDatabase, RawSession, SqlValue } from "../dialect.js";

/*
 * The stored subscriber-month: its CDRs as one JSON text in `usage_months`
 * and its BOSS bill as one in `bill_months` (formats' stored-month.ts).
 */

/** The msisdns of a range (MsisdnRanges.bounds): from `first` on and before `end`, an absent bound open. */
function inRange({ first, end }: { readonly first?: string; readonly end?: string }): RawBuilder<boolean> {
  const from = first === undefined ? sql`TRUE` : sql`msisdn >= ${first}`;
  const to = end === undefined ? sql`TRUE` : sql`msisdn < ${end}`;
  return sql<boolean>`${from} AND ${to}`;
}

/** The msisdns with CDRs or a bill of `billMonth` stored, in a range. */
export async function storedMsisdns(
  database: BillingDatabase,
  billMonth: string,
  range: { readonly first?: string; readonly end?: string },
): Promise<string[]> {
  const db = database.db;
  const rows = await db
    .selectFrom("usage_months")
    .select("msisdn")
    .where("bill_month", "=", billMonth)
    .where(inRange(range))
    .union(db.selectFrom("bill_months").select("msisdn").where("bill_month", "=", billMonth).where(inRange(range)))
    .execute();
  return rows.map((r) => r.msisdn);
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

/** A chunk's stored subscriber-months as read: the records JSON and row version by msisdn, and the bills asked for. */
export interface StoredChunk {
  readonly usage: readonly (readonly [msisdn: string, records: string])[];
  readonly bills: readonly (readonly [msisdn: string, lines: string])[];
  /** Each stored usage row's version (xmin), to check at the write that no other run changed it. */
  readonly versions: ReadonlyMap<string, string>;
}

/** Reads a chunk's stored CDRs, and the stored bills of `withBill` (those the run delivered no bill for). */
export async function readStoredChunk(
  database: BillingDatabase,
  billMonth: string,
  msisdns: readonly string[],
  withBill: readonly string[],
): Promise<StoredChunk> {
  const db = database.db;
  const [usage, bills] = await Promise.all([
    db
      .selectFrom("usage_months")
      .select(["msisdn", "records", sql<string>`xmin::text`.as("version")])
      .where("bill_month", "=", billMonth)
      .where(inChunk(msisdns))
      .execute(),
    withBill.length === 0
      ? []
      : db
          .selectFrom("bill_months")
          .select(["msisdn", "lines"])
          .where("bill_month", "=", billMonth)
          .where(inChunk(withBill))
          .execute(),
  ]);
  return {
    usage: usage.map((u) => [u.msisdn, u.records] as const),
    bills: bills.map((b) => [b.msisdn, b.lines] as const),
    versions: new Map(usage.map((u) => [u.msisdn, u.version])),
  };
}

/** Another run stored one of the chunk's subscriber-months between its read and its write: read and rate it again. */
export class StoredMeanwhile extends Error {
  override readonly name = "StoredMeanwhile";
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

/** What a chunk's rating gives to store: months stored for the first time, merged ones, and delivered bills. */
export interface ChunkRows {
  readonly fresh: MonthRows;
  readonly merged: MonthRows;
  readonly bills: MonthRows;
}

/**
 * Stores a chunk's subscriber-months within the caller's transaction. A first
 * delivery goes in only if still absent, a merged one only if its row is
 * unchanged since `versions` (under FOR UPDATE); otherwise StoredMeanwhile.
 */
export async function storeChunkRows(
  session: RawSession,
  billMonth: string,
  rows: ChunkRows,
  versions: ReadonlyMap<string, string>,
): Promise<void> {
  await copyMonthRows(session, "usage_months", billMonth, rows.fresh, "add").catch((error) => {
    throw isUniqueViolation(error) ? new StoredMeanwhile() : error;
  });
  if (rows.merged.msisdns.length > 0) {
    const keys = inChunkText(rows.merged.msisdns, 2);
    // Each write of a row makes a new version of it, with the writing transaction's id as its xmin.
    const locked = await session.query<{ msisdn: string; version: string }>(
      `SELECT msisdn, xmin::text AS version FROM usage_months
       WHERE bill_month = $1 AND ${keys.text} ORDER BY msisdn FOR UPDATE`,
      [billMonth, ...keys.values],
    );
    if (locked.some((row) => versions.get(row.msisdn) !== row.version)) throw new StoredMeanwhile();
    await copyMonthRows(session, "usage_months", billMonth, rows.merged, "replace");
  }
  await copyMonthRows(session, "bill_months", billMonth, rows.bills, "replace");
}

/** A discrepancy as stored for a run: its discrepancies.csv row, its occurrence and the account it settles to. */
export interface StoredDiscrepancy extends DiscrepancyRow {
  readonly accountId: string;
  readonly occurrence: number;
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

/** Replaces a run's discrepancies of a chunk's msisdns in a bill month, within the caller's transaction. */
export async function storeDiscrepancies(
  session: RawSession,
  runId: string,
  billMonth: string,
  msisdns: readonly string[],
  discrepancies: readonly StoredDiscrepancy[],
): Promise<void> {
  const money = (cents: number | null) => (cents === null ? null : formatCents(cents));
  const keys = inChunkText(msisdns, 3);
  await session.query(`DELETE FROM discrepancies WHERE run_id = $1 AND bill_month = $2 AND ${keys.text}`, [
    runId,
    billMonth,
    ...keys.values,
  ]);
  await session.copy(
    "discrepancies",
    DISCREPANCY_COLUMNS,
    copyRows(
      discrepancies.map((d) => [
        runId,
        d.billMonth,
        d.msisdn,
        d.accountId,
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

/** The subscriber-month's stored CDRs with where each was read, in stored order. */
export async function storedRecordsOf(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<ReplayInputs["records"]> {
  const row = await database.db
    .selectFrom("usage_months")
    .select("records")
    .where("bill_month", "=", billMonth)
    .where("msisdn", "=", msisdn)
    .executeTakeFirst();
  return parseStoredRecords(row?.records ?? "[]").map((r) => ({
    ...usageFromStored(msisdn, r),
    sourceFile: r[9],
    sourceLine: r[10],
  }));
}

/** The subscriber-month's stored BOSS bill, in (item_key, occurrence) order. */
export async function storedBillOf(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<ReplayInputs["billLines"]> {
  const row = await database.db
    .selectFrom("bill_months")
    .select("lines")
    .where("bill_month", "=", billMonth)
    .where("msisdn", "=", msisdn)
    .executeTakeFirst();
  return parseStoredBill(row?.lines ?? "[]")
    .sort(byItemThenOccurrence)
    .map(([itemKey, occurrence, cents, sourceFile, sourceLine]) => ({
      itemKey,
      occurrence,
      cents,
      sourceFile,
      sourceLine,
    }));
}

/** Is anything of the msisdn stored, in any month? */
export async function anyMonthStored(database: BillingDatabase, msisdn: string): Promise<boolean> {
  const db = database.db;
  const row = await db
    .selectFrom("bill_months")
    .select("msisdn")
    .where("msisdn", "=", msisdn)
    .union(db.selectFrom("usage_months").select("msisdn").where("msisdn", "=", msisdn))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The record_ids stored for some msisdns in a bill month, by msisdn. */
export async function storedRecordIds(
  database: BillingDatabase,
  billMonth: string,
  msisdns: readonly string[],
): Promise<Map<string, Set<string>>> {
  const byMsisdn = new Map<string, Set<string>>();
  if (msisdns.length === 0) return byMsisdn;
  const rows = await database.db
    .selectFrom("usage_months")
    .select(["msisdn", "records"])
    .where("bill_month", "=", billMonth)
    .where(inChunk(msisdns))
    .execute();
  for (const r of rows) byMsisdn.set(r.msisdn, new Set(parseStoredRecords(r.records).map((record) => record[0])));
  return byMsisdn;
}
