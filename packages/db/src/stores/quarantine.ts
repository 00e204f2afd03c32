import type { ReferenceEvidence } from "@billing/reconciliation";
import type { BillingDatabase } from "../dialect.js";

/** The columns of `quarantined_rows` a batch of COPY text gives, in order. */
export const QUARANTINE_COLUMNS = [
  "run_id",
  "shard",
  "file",
  "line",
  "reason",
  "raw",
  "record_id",
  "msisdn",
  "bill_month",
  "record_unreadable",
  "reference_item",
] as const;

/** Appends a batch of quarantined rows, as COPY text lines of QUARANTINE_COLUMNS. */
export async function appendQuarantined(database: BillingDatabase, batch: string | Uint8Array): Promise<void> {
  await database.transaction((s) => s.copy("quarantined_rows", QUARANTINE_COLUMNS, batch));
}

/** Drops what an earlier attempt of a share of a run quarantined: the new attempt quarantines again. */
export async function clearQuarantined(database: BillingDatabase, runId: string, shard: string): Promise<void> {
  await database.db.deleteFrom("quarantined_rows").where("run_id", "=", runId).where("shard", "=", shard).execute();
}

/** A page of a share's quarantined rows in (file, line) order, after `after`. */
export function quarantinedPage(
  database: BillingDatabase,
  runId: string,
  shard: string,
  after: { readonly file: string; readonly line: number },
  limit: number,
): Promise<{ file: string; line: number; reason: string; raw: string }[]> {
  return database.db
    .selectFrom("quarantined_rows")
    .select(["file", "line", "reason", "raw"])
    .where("run_id", "=", runId)
    .where("shard", "=", shard)
    .where((eb) =>
      eb.or([eb("file", ">", after.file), eb.and([eb("file", "=", after.file), eb("line", ">", after.line)])]),
    )
    .orderBy("file")
    .orderBy("line")
    .limit(limit)
    .execute();
}

const NOT_A_REPEAT = "duplicate record_id%";

/**
 * Reason by record_id as read, of every row any run quarantined with one, for
 * each of `months`: a row of no known bill month counts for every month. A
 * bill line whose item_key is one of them is unverifiable, whatever msisdn the row had.
 */
export async function quarantinedRecordIds(
  database: BillingDatabase,
  months: readonly string[],
): Promise<Map<string, Map<string, string>>> {
  const byMonth = new Map(months.map((m) => [m, new Map<string, string>()]));
  if (months.length === 0) return byMonth;
  const rows = await database.db
    .selectFrom("quarantined_rows")
    .select(["record_id", "reason", "bill_month"])
    .where("record_id", "is not", null)
    .where("reason", "not like", NOT_A_REPEAT)
    .where((eb) => eb.or([eb("bill_month", "is", null), eb("bill_month", "in", months)]))
    .orderBy("record_id")
    .orderBy("run_id")
    .orderBy("file")
    .orderBy("line")
    .execute();
  for (const r of rows) {
    const into = r.bill_month === null ? [...byMonth.values()] : [byMonth.get(r.bill_month)];
    for (const map of into) map?.set(r.record_id as string, r.reason);
  }
  return byMonth;
}

/** Reason by record_id of the quarantined rows of a bill month (or of none known) whose record_id is one of `recordIds`. */
export async function quarantinedReasonsFor(
  database: BillingDatabase,
  recordIds: readonly string[],
  billMonth: string,
): Promise<Map<string, string>> {
  if (recordIds.length === 0) return new Map();
  const rows = await database.db
    .selectFrom("quarantined_rows")
    .select(["record_id", "reason"])
    .where((eb) => eb("record_id", "=", eb.fn.any(eb.val(recordIds))))
    .where("reason", "not like", NOT_A_REPEAT)
    .where((eb) => eb.or([eb("bill_month", "is", null), eb("bill_month", "=", billMonth)]))
    .orderBy("record_id")
    .orderBy("run_id")
    .orderBy("file")
    .orderBy("line")
    .execute();
  return new Map(rows.map((r) => [r.record_id as string, r.reason]));
}

/** The first of an msisdn's usageQuarantined rows whose record_id could not be read: every usage line of its msisdn-month without a record is unverifiable. */
export function unreadableOf(rows: readonly (readonly [recordId: string | null, reason: string])[]): string | null {
  return rows.find(([recordId]) => recordId === null)?.[1] ?? null;
}

/** `runId`, else the latest run by start: whose reference quarantine stands for the feed as it is. */
function runOrLatest(database: BillingDatabase, runId: string | undefined) {
  return runId ?? database.db.selectFrom("runs").select("run_id").orderBy("started_at", "desc").limit(1);
}

/**
 * The plan period and subscription rows a run quarantined (`runId`, else the
 * latest run) that may be each of `msisdns`' (ReferenceEvidence): those that
 * name it, then those whose msisdn could not be read. Only one run's: the
 * reference feed as it stands, so a row delivered again correctly lifts what
 * its broken copy held back.
 */
export async function referenceQuarantined(
  database: BillingDatabase,
  msisdns: readonly string[],
  runId?: string,
): Promise<Map<string, ReferenceEvidence[]>> {
  const rows = await database.db
    .selectFrom("quarantined_rows")
    .select(["msisdn", "reference_item", "reason"])
    .where("reference_item", "is not", null)
    .where("run_id", "=", runOrLatest(database, runId))
    .where((eb) => eb.or([eb("msisdn", "is", null), eb("msisdn", "=", eb.fn.any(eb.val(msisdns)))]))
    .orderBy("file")
    .orderBy("line")
    .execute();
  const byMsisdn = new Map<string, ReferenceEvidence[]>();
  if (rows.length === 0) return byMsisdn;
  const anyone = rows
    .filter((r) => r.msisdn === null)
    .map((r) => ({ item: r.reference_item as string, reason: r.reason, named: false }));
  for (const msisdn of msisdns) {
    const named = rows
      .filter((r) => r.msisdn === msisdn)
      .map((r) => ({ item: r.reference_item as string, reason: r.reason, named: true }));
    if (named.length + anyone.length > 0) byMsisdn.set(msisdn, [...named, ...anyone]);
  }
  return byMsisdn;
}

/**
 * The usage rows any run quarantined, not as repeats, that name each of
 * `msisdns` in `billMonth` (or in no known month): record_id as read (null
 * when unreadable) and reason, by msisdn. A record such a row held may be
 * missing from the month: what the month's allowance and cap add up is then unsure.
 */
export async function usageQuarantined(
  database: BillingDatabase,
  msisdns: readonly string[],
  billMonth: string,
): Promise<Map<string, [recordId: string | null, reason: string][]>> {
  const rows = await database.db
    .selectFrom("quarantined_rows")
    .select(["msisdn", "record_id", "reason"])
    .where((eb) => eb("msisdn", "=", eb.fn.any(eb.val(msisdns))))
    .where((eb) => eb.or([eb("record_id", "is not", null), eb("record_unreadable", "=", true)]))
    .where("reason", "not like", NOT_A_REPEAT)
    .where((eb) => eb.or([eb("bill_month", "is", null), eb("bill_month", "=", billMonth)]))
    .orderBy("run_id")
    .orderBy("file")
    .orderBy("line")
    .execute();
  const byMsisdn = new Map<string, [string | null, string][]>();
  for (const r of rows) {
    const list = byMsisdn.get(r.msisdn as string) ?? [];
    list.push([r.record_id, r.reason]);
    byMsisdn.set(r.msisdn as string, list);
  }
  return byMsisdn;
}

/**
 * The plan period rows a run quarantined (`runId`, else the latest run):
 * reason by the msisdn they name, null for a row whose msisdn could not be
 * read. Only of `msisdns` when given. The VPMN group of such a number is unknown.
 */
export async function periodsQuarantined(
  database: BillingDatabase,
  options: { readonly runId?: string; readonly msisdns?: readonly string[] },
): Promise<Map<string | null, string>> {
  let query = database.db
    .selectFrom("quarantined_rows")
    .select(["msisdn", "reason"])
    .where("reference_item", "like", "FEE:%")
    .where("run_id", "=", runOrLatest(database, options.runId));
  const { msisdns } = options;
  if (msisdns !== undefined)
    query = query.where((eb) => eb.or([eb("msisdn", "is", null), eb("msisdn", "=", eb.fn.any(eb.val(msisdns)))]));
  const rows = await query.orderBy("file").orderBy("line").execute();
  const byMsisdn = new Map<string | null, string>();
  for (const r of rows) if (!byMsisdn.has(r.msisdn)) byMsisdn.set(r.msisdn, r.reason);
  return byMsisdn;
}
