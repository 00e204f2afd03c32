import {
  type MonthRows,
  MonthRowsWriter,
  parseStoredBill,
  parseStoredRecords,
  type QuarantineEntry,
  type StoredBillLine,
  type StoredRecord,
  usageFromStored,
} from "@billing/formats";
import {
  type DeliveryFiles,
  deliveredBill,
  deliveredRecords,
  mergeRecords,
  type RangeDelivery,
  type RepeatedId,
} from "@billing/ingest";
import {
  type Catalogue,
  type Directory,
  type PlanPeriod,
  type Subscription,
  UNRATABLE_STATUSES,
  type UsageRecord,
} from "@billing/rating";
import {
  type BilledLine,
  type Discrepancy,
  type LedgerEntry,
  type OverCredited,
  type PlannedCredit,
  quarantineEvidence,
  type ReferenceEvidence,
  reconcileSubscriberMonth,
} from "@billing/reconciliation";

const NO_IDS: ReadonlyMap<string, string> = new Map();

/**
 * What rating a chunk needs besides the chunk: the same for every chunk of a
 * run. Not the subscribers' periods and subscriptions, which come with each
 * chunk: a rating thread's copy of everyone's cost some 0.7 KB of peak RSS per subscriber.
 */
export interface ChunkRatingContext {
  readonly catalogue: Catalogue;
  readonly directory: Directory;
  readonly runId: string;
  /** Reason by record_id as read of every row quarantined with one, by bill month (quarantinedRecordIds). */
  readonly quarantinedIds: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The run's quarantined plan period rows: reason by the msisdn they name (null: unreadable). */
  readonly periodsQuarantined: ReadonlyMap<string | null, string>;
  /** The run's CDR files, which spilled rows name by index, and where CDR_COLUMNS are in each (columnIndexes). */
  readonly cdrFiles: readonly string[];
  readonly cdrColumns: readonly (readonly number[])[];
  /** The same of its bill files and BILL_COLUMNS. */
  readonly billFiles: readonly string[];
  readonly billColumns: readonly (readonly number[])[];
}

/**
 * A chunk of subscriber-months of one bill month, as read from the database
 * (plain data, so it can go to a worker thread). What this run delivered for
 * it the rating thread reads from the spill of the chunk's msisdn range
 * (DeliveryReader): passed from thread to thread, the lines cost more than rating them.
 */
export interface ChunkInput {
  readonly billMonth: string;
  /** The msisdn range of the chunk's msisdns (MsisdnRanges). */
  readonly range: number;
  readonly msisdns: readonly string[];
  /** Stored subscriber-months: records JSON text by msisdn. */
  readonly storedUsage: readonly (readonly [msisdn: string, records: string])[];
  /** Stored bills (lines JSON text) of the msisdns this run delivered no bill for. */
  readonly storedBills: readonly (readonly [msisdn: string, lines: string])[];
  /** The ledger's credits of the chunk's msisdns in the month, by msisdn. */
  readonly ledger: ReadonlyMap<string, readonly LedgerEntry[]>;
  /** The reason, by msisdn, of a row of the month quarantined with no readable record_id (any run). */
  readonly unreadable: ReadonlyMap<string, string>;
  /** Usage rows quarantined (any run, not as repeats) naming each msisdn in the month: record_id as read and reason. */
  readonly usageRows: ReadonlyMap<string, readonly (readonly [recordId: string | null, reason: string])[]>;
  /** The run's quarantined reference rows that may be each msisdn's (decision 19), for those that have any. */
  readonly reference: ReadonlyMap<string, readonly ReferenceEvidence[]>;
  /** The plan periods and subscriptions of the chunk's msisdns that have any. */
  readonly periods: readonly (readonly [msisdn: string, periods: readonly PlanPeriod[]])[];
  readonly subscriptions: readonly (readonly [msisdn: string, subscriptions: readonly Subscription[]])[];
}

/** A lane's other task: the coverage of one range's delivered bill (DeliveryReader.coverage). */
export interface CoverageTask {
  readonly coverage: true;
  readonly billMonth: string;
  readonly range: number;
}

/** What rating a chunk produced, and what of this run's delivery to store. */
export interface ChunkOutput {
  /** Subscriber-months stored for the first time. */
  readonly fresh: MonthRows;
  /** Stored subscriber-months with this run's delivery merged in. */
  readonly merged: MonthRows;
  /** The bills this run delivered, to store in place of any stored. */
  readonly bills: MonthRows;
  readonly itemsRated: number;
  readonly unratable: [status: string, count: number][];
  readonly discrepancies: Discrepancy[];
  readonly matched: number;
  readonly planned: PlannedCredit[];
  readonly overCredited: OverCredited[];
  readonly noAccount: Discrepancy[];
  readonly cdrRated: number;
  readonly cdrDuplicates: number;
  readonly repeated: RepeatedId[];
  /** Delivered rows that are malformed (bill rows, then CDRs), to quarantine. */
  readonly malformed: QuarantineEntry[];
}

/**
 * Each subscriber-month's bill lines to diff: the bill this run delivered,
 * else the stored one; and the delivered bills as rows to store, with their malformed rows.
 */
function chunkBills(
  ctx: ChunkRatingContext,
  input: ChunkInput,
  delivered: RangeDelivery,
): { billOf: Map<string, BilledLine[]>; rows: MonthRows; malformed: QuarantineEntry[] } {
  const from: DeliveryFiles = {
    files: ctx.billFiles,
    columns: ctx.billColumns,
    runId: ctx.runId,
    billMonth: input.billMonth,
  };
  const billOf = new Map<string, BilledLine[]>();
  const rows = new MonthRowsWriter();
  const malformed: QuarantineEntry[] = [];
  const billed = (lines: readonly StoredBillLine[]) =>
    lines.map(([itemKey, occurrence, cents]) => ({ itemKey, occurrence, cents }));
  for (const msisdn of input.msisdns) {
    const starts = delivered.bills.starts.get(msisdn);
    if (starts === undefined) continue;
    const bill = deliveredBill({ ...delivered.bills, starts }, from);
    billOf.set(msisdn, billed(bill.lines));
    rows.addBill(input.billMonth, msisdn, bill.lines);
    malformed.push(...bill.malformed);
  }
  for (const [msisdn, lines] of input.storedBills) billOf.set(msisdn, billed(parseStoredBill(lines)));
  return { billOf, rows: rows.rows(), malformed };
}

/**
 * Merges this run's delivery of a chunk (`delivered`, its range's) with what
 * is stored, rates every subscriber-month, diffs it against its bill and
 * plans the credits still owed. Pure: the caller reads the inputs and stores the outputs.
 */
export function rateChunk(ctx: ChunkRatingContext, input: ChunkInput, delivered: RangeDelivery): ChunkOutput {
  const { billMonth } = input;
  const storedUsage = new Map(input.storedUsage);
  const bills = chunkBills(ctx, input, delivered);
  const periodsOf = new Map(input.periods);
  const subscriptionsOf = new Map(input.subscriptions);
  const fresh = new MonthRowsWriter();
  const merged = new MonthRowsWriter();
  const discrepancies: Discrepancy[] = [];
  const planned: PlannedCredit[] = [];
  const overCredited: OverCredited[] = [];
  const noAccount: Discrepancy[] = [];
  const repeated: RepeatedId[] = [];
  const malformed: QuarantineEntry[] = bills.malformed;
  const cdrsFrom: DeliveryFiles = { files: ctx.cdrFiles, columns: ctx.cdrColumns, runId: ctx.runId, billMonth };
  const unratable = new Map<string, number>();
  const monthIds = ctx.quarantinedIds.get(billMonth) ?? NO_IDS;
  // The evidence of a subscriber the quarantine holds nothing of, the month's own: nearly every subscriber's.
  const monthEvidence = quarantineEvidence({
    byRecordId: [monthIds],
    unreadable: null,
    periodRows: ctx.periodsQuarantined,
  });
  let itemsRated = 0;
  let matched = 0;
  let cdrRated = 0;
  let cdrDuplicates = 0;
  for (const msisdn of input.msisdns) {
    const cdrs = delivered.cdrs.starts.get(msisdn);
    const stored = storedUsage.get(msisdn);
    let records: StoredRecord[] = stored === undefined ? [] : parseStoredRecords(stored);
    let usage: UsageRecord[] | undefined;
    // The record_ids this run delivered to a stored month; a month stored for the first time has no others.
    const deliveredIds = stored === undefined ? undefined : new Set<string>();
    // This run's malformed rows of the subscriber, found here on the rating thread, before what any run stored.
    const malformedNow = new Map<string, string>();
    let unreadable = input.unreadable.get(msisdn) ?? null;
    let unreadableNow: string | null = null;
    if (cdrs !== undefined) {
      const now = deliveredRecords({ ...delivered.cdrs, starts: cdrs }, cdrsFrom);
      repeated.push(...now.repeated);
      malformed.push(...now.malformed);
      for (const m of now.malformed) {
        if (m.recordId !== null) malformedNow.set(m.recordId, m.reason);
        else if (m.recordUnreadable) {
          unreadable ??= m.reason;
          unreadableNow ??= m.reason;
        }
      }
      if (deliveredIds) for (const c of now.kept) deliveredIds.add(c.record[0]);
      if (stored === undefined) {
        usage = now.kept.map((c) => c.usage);
        fresh.addRecords(
          billMonth,
          msisdn,
          now.kept.map((c) => c.record),
        );
      } else {
        records = mergeRecords(
          records,
          now.kept.map((c) => c.record),
        );
        merged.addRecords(billMonth, msisdn, records);
      }
    }

    const periods = periodsOf.get(msisdn) ?? [];
    const { month, diff, plan } = reconcileSubscriberMonth({
      billMonth,
      msisdn,
      periods,
      subscriptions: subscriptionsOf.get(msisdn) ?? [],
      records: usage ?? records.map((r) => usageFromStored(msisdn, r)),
      catalogue: ctx.catalogue,
      directory: ctx.directory,
      billLines: bills.billOf.get(msisdn) ?? [],
      quarantined:
        unreadable === null && malformedNow.size === 0 && !input.usageRows.has(msisdn) && !input.reference.has(msisdn)
          ? monthEvidence
          : quarantineEvidence({
              byRecordId: [malformedNow, monthIds],
              unreadable,
              reference: input.reference.get(msisdn),
              usageRows: [
                ...(input.usageRows.get(msisdn) ?? []),
                ...malformedNow,
                ...(unreadableNow === null ? [] : [[null, unreadableNow] as const]),
              ],
              periodRows: ctx.periodsQuarantined,
            }),
      ledger: input.ledger.get(msisdn) ?? [],
    });
    for (const item of month.items) {
      itemsRated += 1;
      if (UNRATABLE_STATUSES.has(item.status)) unratable.set(item.status, (unratable.get(item.status) ?? 0) + 1);
      if (item.record && (deliveredIds === undefined || deliveredIds.has(item.itemKey))) {
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
  return {
    fresh: fresh.rows(),
    merged: merged.rows(),
    bills: bills.rows,
    itemsRated,
    unratable: [...unratable],
    discrepancies,
    matched,
    planned,
    overCredited,
    noAccount,
    cdrRated,
    cdrDuplicates,
    repeated,
    malformed,
  };
}
