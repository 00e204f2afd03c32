import { type AccessEntry, appendAccess, type BillingDatabase } from "@billing/db";

export type { AccessEntry };

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
        await appendAccess(database, batch);
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
