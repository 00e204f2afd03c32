import { anySubscriptionStored, type BillingDatabase, storedRecordIds } from "@billing/db";
import { incompleteFeed } from "@billing/reconciliation";
import type { ChunkRaters } from "./chunk-raters.js";

/** A bill month not reconciled because its feed is incomplete (summary.json `incomplete_months`). */
export interface IncompleteMonth {
  readonly month: string;
  readonly reason: string;
}

/**
 * Checks, before anything of a month is stored or credited, that the usage
 * behind the month's delivered bill is there: its delivered CDRs, else the
 * stored ones (looked up only for the lines this delivery does not cover).
 */
export async function checkFeed(
  database: BillingDatabase,
  raters: ChunkRaters,
  months: readonly string[],
  ranges: number,
): Promise<IncompleteMonth[]> {
  const subscriptionsStored = await anySubscriptionStored(database);
  const incomplete: IncompleteMonth[] = [];
  for (const month of months) {
    let billedUsage = 0;
    let billedVas = 0;
    let missingRecords = 0;
    const coverage = await Promise.all(Array.from({ length: ranges }, (_, range) => raters.coverage(month, range)));
    for (const c of coverage) {
      billedUsage += c.billedUsage;
      billedVas += c.billedVas;
      const stored = await storedRecordIds(
        database,
        month,
        c.uncovered.map(([msisdn]) => msisdn),
      );
      for (const [msisdn, keys] of c.uncovered) {
        const ids = stored.get(msisdn);
        for (const key of keys) if (!ids?.has(key)) missingRecords += 1;
      }
    }
    const reason = incompleteFeed({ billedUsage, missingRecords, billedVas, subscriptionsStored });
    if (reason !== null) incomplete.push({ month, reason });
  }
  return incomplete;
}
