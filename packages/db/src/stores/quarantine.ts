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

/**
 * Malformed records of some msisdns kept by any run, as (msisdn, record_id,
 * reason): the bill lines they may stand behind are unverifiable, not refunded.
 */
export function quarantinedRecordsOf(
  database: BillingDatabase,
  msisdns: readonly string[],
): Promise<{ msisdn: string | null; record_id: string | null; reason: string }[]> {
  return database.db
    .selectFrom("quarantined_rows")
    .select(["msisdn", "record_id", "reason"])
    .where((eb) => eb("msisdn", "=", eb.fn.any(eb.val(msisdns))))
    .where("record_id", "is not", null)
    .where("reason", "not like", "duplicate record_id%")
    .orderBy("record_id")
    .orderBy("run_id")
    .execute();
}
