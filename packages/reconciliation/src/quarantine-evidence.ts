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
  /**
   * The reason a plan period or subscription row that may be the subscriber's
   * was quarantined, when it may stand behind the `FEE:`/`VAS:` line `itemKey`
   * (decision 19); `exact`: only a row that names this msisdn counts.
   */
  referenceReason(itemKey: string, exact: boolean): string | undefined;
  /** Usage rows that name this msisdn, of this month or of none known, quarantined (not as repeats): record_id as read (null: unreadable) and reason. */
  readonly usageRows: readonly (readonly [recordId: string | null, reason: string])[];
  /** The reason a plan period row that may be `msisdn`'s was quarantined, if one was (its VPMN group is then unknown). */
  otherPartyReason(msisdn: string): string | undefined;
}

/** A quarantined reference row as evidence: the item it may stand behind (a bare prefix: any of that kind) and why. */
export interface ReferenceEvidence {
  readonly item: string;
  readonly reason: string;
  /** The row names this msisdn (else its msisdn could not be read). */
  readonly named: boolean;
}

export const NO_QUARANTINE: QuarantineEvidence = {
  recordReason: () => undefined,
  unreadable: null,
  referenceReason: () => undefined,
  usageRows: [],
  otherPartyReason: () => undefined,
};

/** The first reference row that may stand behind `itemKey`. */
export function referenceReasonOf(
  rows: readonly ReferenceEvidence[],
  itemKey: string,
  exact: boolean,
): string | undefined {
  const prefix = itemKey.slice(0, 4);
  for (const r of rows) {
    if (exact && !r.named) continue;
    if (r.item === itemKey || r.item === prefix) return r.reason;
  }
  return undefined;
}

/** What a subscriber-month's evidence is built from (quarantineEvidence). */
export interface EvidenceSources {
  /** Reasons by record_id as read; later maps first (a run's own rows before the stored ones). */
  readonly byRecordId: readonly ReadonlyMap<string, string>[];
  readonly unreadable: string | null;
  /** Quarantined reference rows that may be the subscriber's. */
  readonly reference?: readonly ReferenceEvidence[] | undefined;
  readonly usageRows?: readonly (readonly [recordId: string | null, reason: string])[] | undefined;
  /** Quarantined plan period rows by the msisdn they name (null: unreadable, may be anyone's). */
  readonly periodRows?: ReadonlyMap<string | null, string> | undefined;
}

export function quarantineEvidence(sources: EvidenceSources): QuarantineEvidence {
  const { byRecordId, unreadable, reference = [], usageRows = [], periodRows } = sources;
  return {
    referenceReason: (itemKey, exact) => referenceReasonOf(reference, itemKey, exact),
    usageRows,
    otherPartyReason: (msisdn) => periodRows?.get(msisdn) ?? periodRows?.get(null),
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
