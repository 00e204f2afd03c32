import type { BillingDatabase } from "@billing/db";

export interface AccessEntry {
  readonly atMs: number;
  readonly msisdn: string;
  readonly billMonth: string | null;
  readonly action: "months" | "summary" | "records" | "csv" | "sign_in" | "sign_in_failed" | "sign_out";
  readonly kioskId: string | null;
  readonly sessionId: string | null;
  readonly clientAddress: string | null;
}

/**
 * The access log, written before the answer is sent: a read that is not
 * logged is not served. Entries of concurrent requests share one INSERT (a
 * group commit), so logging costs one round trip per batch, not per read.
 */
export function accessLogWriter(database: BillingDatabase) {
  let queued: AccessEntry[] = [];
  let waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let writing = false;

  async function flush(): Promise<void> {
    writing = true;
    while (queued.length > 0) {
      const batch = queued;
      const settle = waiters;
      queued = [];
      waiters = [];
      try {
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
            })),
          )
          .execute();
        for (const w of settle) w.resolve();
      } catch (error) {
        for (const w of settle) w.reject(error);
      }
    }
    writing = false;
  }

  return (entry: AccessEntry): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queued.push(entry);
      waiters.push({ resolve, reject });
      if (!writing) void flush();
    });
}
