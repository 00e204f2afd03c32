import type { BillingDatabase, CdrsTable, Schema } from "@billing/db";
import {
  type Catalogue,
  type Directory,
  describeItem,
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
import type { Kysely, Selectable, Transaction } from "kysely";
import { type BilledLine, type Discrepancy, diffSubscriberMonth } from "./diff.js";
import {
  accountFor,
  type IssuedSoFar,
  type OverCredited,
  type PlannedCredit,
  planCredits,
  type RefundKey,
} from "./ledger.js";
import { inShard, type Shard } from "./shard.js";

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
  const [cdrRows, lineRows, ledgerRows, quarantinedRows] = await Promise.all([
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
  ]);
  const recordsBy = groupBy(cdrRows.map(toUsageRecord), (r) => r.msisdn);
  const linesBy = groupBy(lineRows, (l) => l.msisdn);
  const ledgerBy = groupBy(ledgerRows, (l) => l.msisdn);
  const quarantinedBy = groupBy(quarantinedRows, (q) => q.msisdn as string);

  const items: RatedItem[] = [];
  const discrepancies: Discrepancy[] = [];
  const planned: PlannedCredit[] = [];
  const overCredited: OverCredited[] = [];
  const noAccount: Discrepancy[] = [];
  let matched = 0;
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
    items.push(...month.items);
    discrepancies.push(...diff.discrepancies);
    matched += diff.matched;
    planned.push(...plan.credits);
    overCredited.push(...plan.overCredited);
    noAccount.push(...plan.noAccount);
  }

  const issued = await db.transaction().execute(async (trx) => {
    await storeItems(trx, ctx.runId, billMonth, msisdns, items);
    await storeDiscrepancies(trx, ctx.runId, discrepancies, ctx.periods);
    return issueCredits(trx, ctx, planned);
  });
  return { items, discrepancies, matched, issued, overCredited, noAccount };
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

const WRITE_BATCH = 1000;

async function storeItems(
  trx: Transaction<Schema>,
  runId: string,
  billMonth: string,
  msisdns: readonly string[],
  items: readonly RatedItem[],
) {
  await trx.deleteFrom("rated_items").where("bill_month", "=", billMonth).where("msisdn", "in", msisdns).execute();
  for (let i = 0; i < items.length; i += WRITE_BATCH) {
    await trx
      .insertInto("rated_items")
      .values(
        items.slice(i, i + WRITE_BATCH).map((item) => ({
          bill_month: item.billMonth,
          msisdn: item.msisdn,
          item_key: item.itemKey,
          kind: item.kind,
          service: item.record?.service ?? null,
          status: item.status,
          expected: item.cents === null ? null : formatCents(item.cents),
          start_time: item.record ? new Date(item.record.startMs) : null,
          category: item.explanation.kind === "voice" ? item.explanation.category : categoryOf(item),
          explanation: JSON.stringify(item.explanation),
          description: describeItem(item),
          run_id: runId,
        })),
      )
      .execute();
  }
}

function categoryOf(item: RatedItem): string | null {
  const e = item.explanation;
  if (e.kind === "sms") return e.category;
  if (e.kind === "data") return "data";
  return null;
}

async function storeDiscrepancies(
  trx: Transaction<Schema>,
  runId: string,
  discrepancies: readonly Discrepancy[],
  periods: ReadonlyMap<string, readonly PlanPeriod[]>,
) {
  for (let i = 0; i < discrepancies.length; i += WRITE_BATCH) {
    await trx
      .insertInto("discrepancies")
      .values(
        discrepancies.slice(i, i + WRITE_BATCH).map((d) => ({
          run_id: runId,
          bill_month: d.billMonth,
          msisdn: d.msisdn,
          account_id: accountFor(periods.get(d.msisdn) ?? [], d.billMonth)?.accountId ?? "",
          item_key: d.itemKey,
          occurrence: d.occurrence,
          class: d.class,
          billed: d.billedCents === null ? null : formatCents(d.billedCents),
          expected: d.expectedCents === null ? null : formatCents(d.expectedCents),
          difference: d.differenceCents === null ? null : formatCents(d.differenceCents),
          refund: formatCents(d.refundCents),
          explanation: d.explanation,
        })),
      )
      .onConflict((oc) => oc.columns(["run_id", "bill_month", "msisdn", "item_key", "occurrence"]).doNothing())
      .execute();
  }
}

/**
 * Inserts the planned credits; a credit some other process (or an earlier,
 * interrupted run) already inserted conflicts on (idempotency_key, issue_seq)
 * and is skipped, so each is issued exactly once. Returns those this call inserted.
 */
async function issueCredits(
  trx: Kysely<Schema> | Transaction<Schema>,
  ctx: MonthContext,
  planned: readonly PlannedCredit[],
): Promise<PlannedCredit[]> {
  const inserted = new Set<string>();
  for (let i = 0; i < planned.length; i += WRITE_BATCH) {
    const rows = await trx
      .insertInto("credit_ledger")
      .values(
        planned.slice(i, i + WRITE_BATCH).map((c) => ({
          credit_id: c.creditId,
          idempotency_key: c.idempotencyKey,
          issue_seq: c.issueSeq,
          account_id: c.account.accountId,
          msisdn: c.key.msisdn,
          bill_month: c.key.billMonth,
          item_key: c.key.itemKey,
          occurrence: c.key.occurrence,
          class: c.class,
          overcharge: formatCents(c.overchargeCents),
          compensation: formatCents(c.overchargeCents),
          refund: formatCents(c.refundCents),
          owed_total: formatCents(c.owedTotalCents),
          settle_to: c.account.settleTo,
          run_id: ctx.runId,
          input_digests: JSON.stringify(ctx.inputDigests),
          catalogue_digest: ctx.catalogueDigest,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .returning("credit_id")
      .execute();
    for (const r of rows) inserted.add(r.credit_id);
  }
  return planned.filter((c) => inserted.has(c.creditId));
}
