/** What a bill month's delivered bill has behind it, counted before the month is reconciled. */
export interface FeedCounts {
  /** Usage lines of the delivered bill, and those of them with no record stored or delivered. */
  readonly billedUsage: number;
  readonly missingRecords: number;
  /** Value-added lines of the delivered bill, and whether any subscription is stored at all. */
  readonly billedVas: number;
  readonly subscriptionsStored: boolean;
}

/** More than this share of billed usage lines with no record, and at least MISSING_MOST of them, is a missing feed. */
export const MISSING_SHARE = 0.05;
export const MISSING_MOST = 50;

/**
 * Why a bill month's feed is incomplete (reconcile.md, Completeness of the
 * feed), or null when it is not: a missing feed must not turn into refunds.
 */
export function incompleteFeed(counts: FeedCounts): string | null {
  const { billedUsage, missingRecords, billedVas } = counts;
  if (missingRecords >= MISSING_MOST && missingRecords > billedUsage * MISSING_SHARE) {
    const share = ((100 * missingRecords) / billedUsage).toFixed(1);
    return `${missingRecords} of ${billedUsage} billed usage lines (${share} %) have no usage record: is a CDR file missing?`;
  }
  if (billedVas > 0 && !counts.subscriptionsStored) {
    return `the bill has ${billedVas} value-added line(s) but no subscription is stored: is subscriptions.csv missing?`;
  }
  return null;
}
