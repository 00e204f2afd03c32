import type { PlanPeriod, Subscription, UsageRecord } from "@billing/rating";
import type { BilledLine } from "./diff.js";
import type { ReferenceEvidence } from "./quarantine-evidence.js";
import type { LedgerEntry } from "./subscriber-month.js";

/** Why a replay cannot be made: a clear one-line reason, exit 1 (cli.md). */
export class ReplayError extends Error {
  override readonly name = "ReplayError";
  constructor(
    readonly code: "unknown_msisdn" | "no_data" | "no_catalogue" | "catalogue_refused",
    message: string,
  ) {
    super(message);
  }
}

export interface StoredCredit extends LedgerEntry {
  readonly creditId: string;
  readonly class: string;
  readonly runId: string;
  readonly issuedAt: number;
}

/** Everything a replay reads, and only stored inputs: the evidence of the month. */
export interface ReplayInputs {
  readonly msisdn: string;
  readonly billMonth: string;
  readonly catalogueText: string;
  readonly catalogueDigest: string;
  /** The subscriber's plan periods. */
  readonly periods: readonly PlanPeriod[];
  /** Periods of the subscriber's VPMN group mates, for the vpmn category. */
  readonly groupPeriods: readonly PlanPeriod[];
  readonly subscriptions: readonly Subscription[];
  readonly records: readonly (UsageRecord & { readonly sourceFile: string; readonly sourceLine: number })[];
  readonly billLines: readonly (BilledLine & { readonly sourceFile: string; readonly sourceLine: number })[];
  /** Rows quarantined by earlier runs that may stand behind the month's bill lines: reason by record_id as read. */
  readonly quarantined: ReadonlyMap<string, string>;
  /** The reason a row of the subscriber and month was quarantined with no readable record_id; null when none was. */
  readonly unreadableQuarantined: string | null;
  /** The latest run's quarantined plan period and subscription rows that may be the subscriber's. */
  readonly referenceQuarantined: readonly ReferenceEvidence[];
  /** Usage rows naming the subscriber in the month (or none known), quarantined not as repeats: record_id as read and reason. */
  readonly usageQuarantined: readonly (readonly [recordId: string | null, reason: string])[];
  /** The latest run's quarantined plan period rows: reason by the msisdn they name (null: unreadable). */
  readonly periodsQuarantined: readonly (readonly [msisdn: string | null, reason: string])[];
  readonly credits: readonly StoredCredit[];
}
