import { type BillingDatabase, type CdrsTable, inTransaction, type RawSession } from "@billing/db";
import {
  type Catalogue,
  type Directory,
  formatCents,
  type PlanPeriod,
  parseDate,
  parseMonth,
  type RatedItem,
  rateSubscriberMonth,
  type Subscription,
  startOfDayMs,
  type UsageRecord,
} from "@billing/rating";
import type { Selectable } from "kysely";
import { type BilledLine, type Discrepancy, diffSubscriberMonth } from "./diff.js";
import {
  accountFor,
  type IssuedSoFar,
  type OverCredited,
  type PlannedCredit,
  planCredits,
  type RefundKey,
} from "./ledger.js";
import { issueCredits } from "./ledger-store.js";
import { formatShard, inShard, type Shard } from "./shard.js";

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
}

/** What one chunk of subscriber-months produced, in msisdn order. */
export interface ChunkResult {
  readonly items: readonly RatedItem[];
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
 * The msisdns of this shard to reconcile in a month: everyone with a plan
 * period or subscription active in it, or with CDRs or bill lines of it.
 */
export async function msisdnsInScope(ctx: MonthContext, billMonth: string): Promise<string[]> {
  const span = parseMonth(billMonth);
  if (!span) throw new RangeError(billMonth);
  const set = new Set<string>();
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
    .selectFrom("cdrs")
    .select("msisdn")
    .distinct()
    .where("bill_month", "=", billMonth)
    .union(db.selectFrom("bill_lines").select("msisdn").distinct().where("bill_month", "=", billMonth))
    .execute();
  for (const { msisdn } of stored) set.add(msisdn);
  return [...set].filter((m) => inShard(m, ctx.shard)).sort();
}

/** Rates, diffs and credits a chunk of subscriber-months of one bill month, in one transaction for the ledger. */
export async function reconcileChunk(
  ctx: MonthContext,
  billMonth: string,
  msisdns: readonly string[],
): Promise<ChunkResult> {
  const db = ctx.database.db;
  const [cdrRows, lineRows, ledgerRows, quarantinedRows, stagedRows] = await Promise.all([
    db.selectFrom("cdrs").selectAll().where("bill_month", "=", billMonth).where("msisdn", "in", msisdns).execute(),
    db
      .selectFrom("bill_lines")
      .select(["msisdn", "item_key", "occurrence", "amount"])
      .where("bill_month", "=", billMonth)
      .where("msisdn", "in", msisdns)
      .execute(),
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
    db
      .selectFrom("cdr_staging")
      .select("record_id")
      .where("run_id", "=", ctx.runId)
      .where("shard", "=", formatShard(ctx.shard))
      .where("msisdn", "in", msisdns)
      .execute(),
  ]);
  const recordsBy = groupBy(cdrRows.map(toUsageRecord), (r) => r.msisdn);
  const deliveredNow = new Set(stagedRows.map((r) => r.record_id));
  const linesBy = groupBy(lineRows, (l) => l.msisdn);
  const ledgerBy = groupBy(ledgerRows, (l) => l.msisdn);
  const quarantinedBy = groupBy(quarantinedRows, (q) => q.msisdn as string);

  const items: RatedItem[] = [];
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
      records: recordsBy.get(msisdn) ?? [],
      catalogue: ctx.catalogue,
      directory: ctx.directory,
    });
    const lines: BilledLine[] = (linesBy.get(msisdn) ?? []).map((l) => ({
      itemKey: l.item_key,
      occurrence: l.occurrence,
      cents: centsOf(l.amount),
    }));
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
    for (const item of month.items) {
      items.push(item);
      if (item.record && deliveredNow.has(item.itemKey)) {
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

  const issued = await inTransaction(ctx.database, async (session) => {
    await storeItems(session, ctx.runId, billMonth, msisdns, items);
    await storeDiscrepancies(session, ctx, billMonth, msisdns, discrepancies);
    return issueCredits(session, planned, {
      runId: ctx.runId,
      inputDigests: ctx.inputDigests,
      catalogueDigest: ctx.catalogueDigest,
    });
  });
  return {
    items,
    discrepancies,
    matched,
    issued,
    overCredited,
    noAccount,
    subscriberMonths: msisdns.length,
    cdrRated,
    cdrDuplicates,
  };
}

export function toUsageRecord(row: Selectable<CdrsTable>): UsageRecord {
  return {
    recordId: row.record_id,
    msisdn: row.msisdn,
    service: row.service,
    direction: row.direction,
    otherParty: row.other_party,
    startMs: row.start_time.getTime(),
    durationS: row.duration_s,
    bytesUp: row.bytes_up,
    bytesDown: row.bytes_down,
    visitedArea: row.visited_area,
  };
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

const RATED_ITEM_COLUMNS = [
  "bill_month",
  "msisdn",
  "item_key",
  "kind",
  "service",
  "status",
  "expected",
  "start_time",
  "category",
  "run_id",
];

/** Replaces the chunk's rated items: what this run computed for each item, for reports and auditors. */
async function storeItems(
  session: RawSession,
  runId: string,
  billMonth: string,
  msisdns: readonly string[],
  items: readonly RatedItem[],
) {
  await session.query("DELETE FROM rated_items WHERE bill_month = $1 AND msisdn = ANY($2)", [billMonth, msisdns]);
  await session.copy(
    "rated_items",
    RATED_ITEM_COLUMNS,
    items.map((item) => [
      item.billMonth,
      item.msisdn,
      item.itemKey,
      item.kind,
      item.record?.service ?? null,
      item.status,
      item.cents === null ? null : formatCents(item.cents),
      item.record ? new Date(item.record.startMs).toISOString() : null,
      categoryOf(item),
      runId,
    ]),
  );
}

function categoryOf(item: RatedItem): string | null {
  const e = item.explanation;
  if (e.kind === "voice" || e.kind === "sms") return e.category;
  if (e.kind === "data") return "data";
  return null;
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
  );
}
