import { type BillingDatabase, copyCsv, inTransaction, type RawSession } from "@billing/db";
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
import { sql } from "kysely";
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
import { USAGE_JSON_FIELDS, type UsageJson, usageFromJson } from "./stored-usage.js";

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
  const [usage, linesBy, ledgerRows, quarantinedRows] = await Promise.all([
    readUsage(ctx, billMonth, msisdns),
    readBillLines(ctx, billMonth, msisdns),
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
      records: usage.records.get(msisdn) ?? [],
      catalogue: ctx.catalogue,
      directory: ctx.directory,
    });
    const lines = linesBy.get(msisdn) ?? [];
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
      if (item.record && usage.deliveredNow.has(item.itemKey)) {
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

/**
 * The stored usage of a chunk's subscribers in a month (one JSON array each,
 * see USAGE_JSON_FIELDS), and which of it this run delivered (its staged
 * rows: another run may have delivered the same records since).
 */
async function readUsage(
  ctx: MonthContext,
  billMonth: string,
  msisdns: readonly string[],
): Promise<{ records: Map<string, UsageRecord[]>; deliveredNow: Set<string> }> {
  const [usage, staged] = await Promise.all([
    sql<{ msisdn: string; records: string }>`
      SELECT msisdn, json_agg(json_build_array(${USAGE_JSON_FIELDS}) ORDER BY start_time, record_id)::text AS records
      FROM cdrs WHERE bill_month = ${billMonth} AND msisdn = ANY(${msisdns})
      GROUP BY msisdn`.execute(ctx.database.db),
    sql<{ ids: string }>`
      SELECT coalesce(json_agg(record_id), '[]')::text AS ids FROM cdr_staging
      WHERE run_id = ${ctx.runId} AND shard = ${formatShard(ctx.shard)} AND msisdn = ANY(${msisdns})
        AND bill_month = ${billMonth}`.execute(ctx.database.db),
  ]);
  const records = new Map<string, UsageRecord[]>();
  for (const { msisdn, records: json } of usage.rows) {
    records.set(
      msisdn,
      (JSON.parse(json) as UsageJson[]).map((r) => usageFromJson(msisdn, r)),
    );
  }
  return { records, deliveredNow: new Set(JSON.parse(staged.rows[0]?.ids ?? "[]") as string[]) };
}

/** The stored bill lines of a chunk's subscribers in a month, amounts in cents, one JSON array each (see readUsage). */
async function readBillLines(
  ctx: MonthContext,
  billMonth: string,
  msisdns: readonly string[],
): Promise<Map<string, BilledLine[]>> {
  const { rows } = await sql<{ msisdn: string; lines: string }>`
    SELECT msisdn, json_agg(json_build_array(item_key, occurrence, (amount * 100)::bigint))::text AS lines
    FROM bill_lines WHERE bill_month = ${billMonth} AND msisdn = ANY(${msisdns})
    GROUP BY msisdn`.execute(ctx.database.db);
  const lines = new Map<string, BilledLine[]>();
  for (const row of rows) {
    const list = JSON.parse(row.lines) as [string, number, number][];
    lines.set(
      row.msisdn,
      list.map(([itemKey, occurrence, cents]) => ({ itemKey, occurrence, cents })),
    );
  }
  return lines;
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
