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

/**
 * The reason, by msisdn, of the first row any run quarantined for that
 * msisdn in `billMonth` (or in no known month) whose record_id could not be
 * read: every usage line of the msisdn-month without a record is unverifiable.
 */
export async function unreadableQuarantined(
  database: BillingDatabase,
  msisdns: readonly string[],
  billMonth: string,
): Promise<Map<string, string>> {
  const rows = await database.db
    .selectFrom("quarantined_rows")
    .select(["msisdn", "reason"])
    .where((eb) => eb("msisdn", "=", eb.fn.any(eb.val(msisdns))))
    .where("record_unreadable", "=", true)
    .where((eb) => eb.or([eb("bill_month", "is", null), eb("bill_month", "=", billMonth)]))
    .orderBy("run_id")
    .orderBy("file")
    .orderBy("line")
    .execute();
  const byMsisdn = new Map<string, string>();
  for (const r of rows) if (!byMsisdn.has(r.msisdn as string)) byMsisdn.set(r.msisdn as string, r.reason);
  return byMsisdn;
}
