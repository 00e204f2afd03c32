import { type BillingDatabase, copyCsv, inTransaction, type RawSession } from "@billing/db";
import {
  type Catalogue,
  type Directory,
  formatCents,
  type PlanPeriod,
  parseDate,
  parseMonth,
  rateSubscriberMonth,
  type Subscription,
  startOfDayMs,
  UNRATABLE_STATUSES,
} from "@billing/rating";
import {
  type Delivered,
  type DeliveredCdr,
  deliveredBill,
  deliveredRecords,
  mergeRecords,
  type RepeatedId,
} from "./delivered.js";
import { type Discrepancy, diffSubscriberMonth } from "./diff.js";
import {
  accountFor,
  type IssuedSoFar,
  type OverCredited,
  type PlannedCredit,
  planCredits,
  type RefundKey,
} from "./ledger.js";
import { issueCredits } from "./ledger-store.js";
import { inShard, type Shard } from "./shard.js";
import { type StoredBillLine, type StoredRecord, usageFromStored } from "./stored-usage.js";

export interface MonthContext {
  readonly database: BillingDatabase;
  readonly catalogue: Catalogue;
  readonly catalogueDigest: string;
  readonly periods: ReadonlyMap<string, readonly PlanPeriod[]>;
  readonly subscriptions: ReadonlyMap<string, readonly Subscription[]>;
  readonly directory: Directory;
  readonly shard: Shard;
  readonly runId: string;
  readonly inputDigests: Readonly<Record<string, string>>;
  /** The run's CDR and bill files, which spilled rows name by index. */
  readonly cdrFiles: readonly string[];
  readonly billFiles: readonly string[];
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
  /** Of the records this run delivered: rated (unratable included), and second deliveries of one event. */
  readonly cdrRated: number;
  readonly cdrDuplicates: number;
  /** Delivered rows repeating a record_id delivered before them in this run, to quarantine. */
  readonly repeated: readonly RepeatedId[];
}

/** Directory of VPMN membership from every subscriber's periods. */
export function directoryOf(periods: ReadonlyMap<string, readonly PlanPeriod[]>): Directory {
  const groups = new Map<string, { from: number; to: number; group: string }[]>();
  for (const [msisdn, list] of periods) {
    const spans = list
      .filter((p) => p.vpmnGroup !== null)
      .map((p) => ({
        from: parseDate(p.activeFrom) as number,
        to: p.activeTo === null ? Number.POSITIVE_INFINITY : (parseDate(p.activeTo) as number),
        group: p.vpmnGroup as string,
      }));
    if (spans.length > 0) groups.set(msisdn, spans);
  }
  return {
    vpmnGroupAt(msisdn, day) {
      return groups.get(msisdn)?.find((s) => day >= s.from && day < s.to)?.group ?? null;
    },
  };
}

/**
 * The msisdns of this shard to reconcile in a month, in order: everyone with
 * a plan period or subscription active in it, with CDRs or bill lines of it
 * stored, or delivered by this run.
 */
export async function msisdnsInScope(
  ctx: MonthContext,
  billMonth: string,
  delivered: ReadonlySet<string>,
): Promise<string[]> {
  const span = parseMonth(billMonth);
  if (!span) throw new RangeError(billMonth);
  const set = new Set<string>(delivered);
  const monthStart = `${billMonth}-01`;
  const startMs = startOfDayMs(span.firstDay);
  const endMs = startOfDayMs(span.endDay);
  for (const [msisdn, list] of ctx.periods) {
    if (list.some((p) => p.activeFrom < `${billMonth}-32` && (p.activeTo === null || p.activeTo > monthStart))) {
      set.add(msisdn);
    }
  }
  for (const [msisdn, list] of ctx.subscriptions) {
    if (list.some((s) => s.orderedMs < endMs && (s.cancelledMs === null || s.cancelledMs >= startMs))) set.add(msisdn);
  }
  const db = ctx.database.db;
  const stored = await db
    .selectFrom("usage_months")
    .select("msisdn")
    .where("bill_month", "=", billMonth)
    .union(db.selectFrom("bill_months").select("msisdn").where("bill_month", "=", billMonth))
    .execute();
  for (const { msisdn } of stored) set.add(msisdn);
  return [...set].filter((m) => inShard(m, ctx.shard)).sort();
}

/**
 * Rates, diffs and credits a chunk of subscriber-months of one bill month,
 * in one transaction: what this run delivered is merged into the stored
 * subscriber-months, and the ledger sees the same inputs the rating did.
 */
export async function reconcileChunk(
  ctx: MonthContext,
  billMonth: string,
  msisdns: readonly string[],
  delivered: ReadonlyMap<string, Delivered>,
): Promise<ChunkResult> {
  const db = ctx.database.db;
  const [ledgerRows, quarantinedRows] = await Promise.all([
    db
      .selectFrom("credit_ledger")
      .select(["msisdn", "item_key", "occurrence", "idempotency_key", "issue_seq", "refund"])
      .where("bill_month", "=", billMonth)
      .where("msisdn", "in", msisdns)
      .execute(),
    db
      .selectFrom("quarantined_rows")
      .select(["msisdn", "record_id", "reason"])
      .where("msisdn", "in", msisdns)
      .where("record_id", "is not", null)
      .where("reason", "not like", "duplicate record_id%")
      .execute(),
  ]);
  const ledgerBy = groupBy(ledgerRows, (l) => l.msisdn);
  const quarantinedBy = groupBy(quarantinedRows, (q) => q.msisdn as string);

  const deliveredNow = new Map<string, DeliveredCdr[]>();
  const deliveredBills = new Map<string, StoredBillLine[]>();
  const repeated: RepeatedId[] = [];
  for (const msisdn of msisdns) {
    const d = delivered.get(msisdn);
    if (d && d.cdrs.length > 0) {
      const now = deliveredRecords(d.cdrs, ctx.cdrFiles, ctx.runId);
      deliveredNow.set(msisdn, now.kept);
      repeated.push(...now.repeated);
    }
    if (d && d.bills.length > 0) deliveredBills.set(msisdn, deliveredBill(d.bills, ctx.billFiles));
  }

  return inTransaction(ctx.database, async (session) => {
    const records = await storeUsage(session, billMonth, msisdns, deliveredNow);
    const bills = await storeBills(session, billMonth, msisdns, deliveredBills);
    let itemsRated = 0;
    const unratable = new Map<string, number>();
    const discrepancies: Discrepancy[] = [];
    const planned: PlannedCredit[] = [];
    const overCredited: OverCredited[] = [];
    const noAccount: Discrepancy[] = [];
    let matched = 0;
    let cdrRated = 0;
    let cdrDuplicates = 0;
    for (const msisdn of msisdns) {
      const periods = ctx.periods.get(msisdn) ?? [];
      const month = rateSubscriberMonth({
        billMonth,
        msisdn,
        periods,
        subscriptions: ctx.subscriptions.get(msisdn) ?? [],
        records: (records.get(msisdn) ?? []).map((r) => usageFromStored(msisdn, r)),
        catalogue: ctx.catalogue,
        directory: ctx.directory,
      });
      const lines = (bills.get(msisdn) ?? []).map(([itemKey, occurrence, cents]) => ({ itemKey, occurrence, cents }));
      const quarantined = new Map((quarantinedBy.get(msisdn) ?? []).map((q) => [q.record_id as string, q.reason]));
      const diff = diffSubscriberMonth(month, lines, quarantined);
      const issued = new Map<string, IssuedSoFar & { key: RefundKey }>();
      for (const row of ledgerBy.get(msisdn) ?? []) {
        const before = issued.get(row.idempotency_key);
        issued.set(row.idempotency_key, {
          key: { msisdn, billMonth, itemKey: row.item_key, occurrence: row.occurrence },
          totalCents: (before?.totalCents ?? 0) + centsOf(row.refund),
          lastSeq: Math.max(before?.lastSeq ?? 0, row.issue_seq),
        });
      }
      const plan = planCredits(diff.discrepancies, issued, accountFor(periods, billMonth));
      const now = new Set(deliveredNow.get(msisdn)?.map((c) => c.record[0]));
      for (const item of month.items) {
        itemsRated += 1;
        if (UNRATABLE_STATUSES.has(item.status)) unratable.set(item.status, (unratable.get(item.status) ?? 0) + 1);
        if (item.record && now.has(item.itemKey)) {
          if (item.status === "duplicate_usage") cdrDuplicates += 1;
          else cdrRated += 1;
        }
      }
      discrepancies.push(...diff.discrepancies);
      matched += diff.matched;
      planned.push(...plan.credits);
      overCredited.push(...plan.overCredited);
      noAccount.push(...plan.noAccount);
    }
    await storeDiscrepancies(session, ctx, billMonth, msisdns, discrepancies);
    const issuedNow = await issueCredits(session, planned, {
      runId: ctx.runId,
      inputDigests: ctx.inputDigests,
      catalogueDigest: ctx.catalogueDigest,
    });
    return {
      itemsRated,
      unratable,
      discrepancies,
      matched,
      issued: issuedNow,
      overCredited,
      noAccount,
      subscriberMonths: msisdns.length,
      cdrRated,
      cdrDuplicates,
      repeated,
    };
  });
}

/** `{"msisdn": json, …}` of JSON texts, for json_each: one parameter for a chunk, with nothing to escape. */
function jsonByMsisdn(entries: Iterable<readonly [string, string]>): string {
  let text = "{";
  for (const [msisdn, json] of entries) text += `${text.length > 1 ? "," : ""}"${msisdn}":${json}`;
  return `${text}}`;
}

/**
 * Stores this run's records of the chunk's subscriber-months and returns
 * every stored record of them. A subscriber-month stored for the first time
 * is inserted as delivered (its records' JSON as spilled); one already
 * stored is locked, merged with the delivery (a record delivered again
 * replaces the stored one) and updated, so two runs delivering to one
 * subscriber-month at once take turns.
 */
async function storeUsage(
  session: RawSession,
  billMonth: string,
  msisdns: readonly string[],
  delivered: ReadonlyMap<string, readonly DeliveredCdr[]>,
): Promise<Map<string, StoredRecord[]>> {
  const records = new Map<string, StoredRecord[]>();
  const inserted = new Set<string>();
  if (delivered.size > 0) {
    const rows = await session.query<{ msisdn: string }>(
      `INSERT INTO usage_months (bill_month, msisdn, records)
       SELECT $1, key, value::text FROM json_each($2::json) ORDER BY key
       ON CONFLICT DO NOTHING RETURNING msisdn`,
      [billMonth, jsonByMsisdn([...delivered].map(([m, cdrs]) => [m, `[${cdrs.map((c) => c.text).join(",")}]`]))],
    );
    for (const { msisdn } of rows) {
      inserted.add(msisdn);
      records.set(
        msisdn,
        (delivered.get(msisdn) ?? []).map((c) => c.record),
      );
    }
  }
  const stored = await session.query<{ msisdn: string; records: string }>(
    "SELECT msisdn, records FROM usage_months WHERE bill_month = $1 AND msisdn = ANY($2) ORDER BY msisdn FOR UPDATE",
    [billMonth, msisdns.filter((m) => !inserted.has(m))],
  );
  const merged: [string, string][] = [];
  for (const row of stored) {
    const list = JSON.parse(row.records) as StoredRecord[];
    const now = delivered.get(row.msisdn);
    if (now) {
      const all = mergeRecords(
        list,
        now.map((c) => c.record),
      );
      records.set(row.msisdn, all);
      merged.push([row.msisdn, JSON.stringify(all)]);
    } else records.set(row.msisdn, list);
  }
  if (merged.length > 0) {
    await session.query(
      `UPDATE usage_months u SET records = d.value::text
       FROM json_each($2::json) AS d WHERE u.bill_month = $1 AND u.msisdn = d.key`,
      [billMonth, jsonByMsisdn(merged)],
    );
  }
  return records;
}

/** Stores this run's bills of the chunk's subscriber-months (each replaces the stored one) and returns every bill of them. */
async function storeBills(
  session: RawSession,
  billMonth: string,
  msisdns: readonly string[],
  delivered: ReadonlyMap<string, StoredBillLine[]>,
): Promise<Map<string, StoredBillLine[]>> {
  const bills = new Map<string, StoredBillLine[]>(delivered);
  if (delivered.size > 0) {
    await session.query(
      `INSERT INTO bill_months (bill_month, msisdn, lines)
       SELECT $1, key, value::text FROM json_each($2::json) ORDER BY key
       ON CONFLICT (bill_month, msisdn) DO UPDATE SET lines = excluded.lines`,
      [billMonth, jsonByMsisdn([...delivered].map(([m, lines]) => [m, JSON.stringify(lines)]))],
    );
  }
  const stored = await session.query<{ msisdn: string; lines: string }>(
    "SELECT msisdn, lines FROM bill_months WHERE bill_month = $1 AND msisdn = ANY($2)",
    [billMonth, msisdns.filter((m) => !delivered.has(m))],
  );
  for (const row of stored) bills.set(row.msisdn, JSON.parse(row.lines) as StoredBillLine[]);
  return bills;
}

function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  }
  return map;
}

/** Exact cents of a stored numeric(14,2) string. */
export function centsOf(amount: string): number {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? amount.slice(1) : amount).split(".");
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
  return negative ? -cents : cents;
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
) {
  const money = (cents: number | null) => (cents === null ? null : formatCents(cents));
  await session.query("DELETE FROM discrepancies WHERE run_id = $1 AND bill_month = $2 AND msisdn = ANY($3)", [
    ctx.runId,
    billMonth,
    msisdns,
  ]);
  await session.copy(
    "discrepancies",
    DISCREPANCY_COLUMNS,
    copyCsv(
      discrepancies.map((d) => [
        ctx.runId,
        d.billMonth,
        d.msisdn,
        accountFor(ctx.periods.get(d.msisdn) ?? [], d.billMonth)?.accountId ?? "",
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
