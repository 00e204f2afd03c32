/**
 * What the quarantine says of one subscriber-month's bill lines (reconcile.md,
 * the unverifiable rule): a line whose record may be one the run could not
 * read is unverifiable, never a phantom charge.
 */
export interface QuarantineEvidence {
  /** The reason a row of the month was quarantined whose record_id, as read, is `recordId`, if any was. */
  recordReason(recordId: string): string | undefined;
  /** The reason a row of this msisdn and month was quarantined with no readable record_id; null when none was. */
  readonly unreadable: string | null;
}

export const NO_QUARANTINE: QuarantineEvidence = { recordReason: () => undefined, unreadable: null };

/** Evidence from reasons by record_id (later maps first: a run's own rows before the stored ones) and an unreadable row's reason. */
export function quarantineEvidence(
  byRecordId: readonly ReadonlyMap<string, string>[],
  unreadable: string | null,
): QuarantineEvidence {
  return {
    recordReason(recordId) {
      for (const map of byRecordId) {
        const reason = map.get(recordId);
        if (reason !== undefined) return reason;
      }
      return undefined;
    },
    unreadable,
  };
}
