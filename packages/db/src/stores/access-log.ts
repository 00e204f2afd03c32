import type { BillingDatabase } from "../dialect.js";

export interface AccessEntry {
  readonly atMs: number;
  readonly msisdn: string;
  readonly billMonth: string | null;
  readonly action:
    | "months"
    | "summary"
    | "records"
    | "csv"
    | "sign_in"
    | "sign_in_failed"
    | "sign_out"
    | "dispute_open"
    | "dispute_answer"
    | "dispute_read";
  readonly kioskId: string | null;
  readonly sessionId: string | null;
  readonly clientAddress: string | null;
  /** Who acted for the operator (disputes), and the case read or changed. */
  readonly staffId?: string | null;
  readonly caseId?: string | null;
}

/** Appends entries of the access log in one INSERT. */
export async function appendAccess(database: BillingDatabase, batch: readonly AccessEntry[]): Promise<void> {
  await database.db
    .insertInto("access_log")
    .values(
      batch.map((e) => ({
        at: new Date(e.atMs),
        msisdn: e.msisdn,
        bill_month: e.billMonth,
        action: e.action,
        kiosk_id: e.kioskId,
        session_id: e.sessionId,
        client_address: e.clientAddress,
        staff_id: e.staffId ?? null,
        case_id: e.caseId ?? null,
      })),
    )
    .execute();
}

/** A round trip to the database: what readiness checks. */
export async function ping(database: BillingDatabase): Promise<void> {
  await database.db.selectNoFrom((eb) => eb.lit(1).as("one")).execute();
}
