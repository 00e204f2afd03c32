import {
  type Catalogue,
  type Directory,
  type PlanPeriod,
  type RatedMonth,
  rateSubscriberMonth,
  type Subscription,
  type UsageRecord,
} from "@billing/rating";
import { type BilledLine, diffSubscriberMonth, type MonthDiff } from "./diff.js";
import { type Account, accountFor, type CreditPlan, type IssuedSoFar, planCredits, type RefundKey } from "./ledger.js";
import type { QuarantineEvidence } from "./quarantine-evidence.js";
import { uncertainItems } from "./uncertain-items.js";

/** A credit the ledger holds for a key of the subscriber-month: what "issued so far" adds up. */
export interface LedgerEntry {
  readonly itemKey: string;
  readonly occurrence: number;
  readonly idempotencyKey: string;
  readonly issueSeq: number;
  readonly refundCents: number;
}

export type IssuedByKey = Map<string, IssuedSoFar & { readonly key: RefundKey }>;

/** The ledger's credits of one subscriber-month folded by idempotency key: the total issued and the last issue number. */
export function issuedSoFar(msisdn: string, billMonth: string, entries: Iterable<LedgerEntry>): IssuedByKey {
  const issued: IssuedByKey = new Map();
  for (const e of entries) {
    const before = issued.get(e.idempotencyKey);
    issued.set(e.idempotencyKey, {
      key: { msisdn, billMonth, itemKey: e.itemKey, occurrence: e.occurrence },
      totalCents: (before?.totalCents ?? 0) + e.refundCents,
      lastSeq: Math.max(before?.lastSeq ?? 0, e.issueSeq),
    });
  }
  return issued;
}

/** Everything one subscriber-month is reconciled from: its rating inputs, its bill, its quarantine and its ledger. */
export interface SubscriberMonthInput {
  readonly billMonth: string;
  readonly msisdn: string;
  readonly periods: readonly PlanPeriod[];
  readonly subscriptions: readonly Subscription[];
  readonly records: readonly UsageRecord[];
  readonly catalogue: Catalogue;
  readonly directory: Directory;
  readonly billLines: readonly BilledLine[];
  /** What the quarantine says of the month's bill lines (the unverifiable rule). */
  readonly quarantined: QuarantineEvidence;
  readonly ledger: Iterable<LedgerEntry>;
}

export interface SubscriberMonthResult {
  readonly month: RatedMonth;
  readonly diff: MonthDiff;
  readonly issued: IssuedByKey;
  readonly account: Account | null;
  /** Credits owed minus issued: what the ledger should issue now. */
  readonly plan: CreditPlan;
}

/**
 * Rate → diff → credits owed minus issued, for one subscriber-month. The one
 * composition every path uses: the nightly run, the auditor's replay and the
 * customer's statement, so they cannot disagree.
 */
export function reconcileSubscriberMonth(input: SubscriberMonthInput): SubscriberMonthResult {
  const month = rateSubscriberMonth({
    billMonth: input.billMonth,
    msisdn: input.msisdn,
    periods: input.periods,
    subscriptions: input.subscriptions,
    records: input.records,
    catalogue: input.catalogue,
    directory: input.directory,
  });
  // Made only for a month with an item billed above its charge: the rule spares no other item, and a month has few.
  let uncertain: Map<string, string> | undefined;
  const uncertainty = (itemKey: string) => {
    uncertain ??= uncertainItems(
      month.items,
      input.periods,
      input.catalogue,
      input.quarantined,
      input.billLines.map((l) => l.itemKey),
    );
    return uncertain.get(itemKey);
  };
  const diff = diffSubscriberMonth(month, input.billLines, input.quarantined, uncertainty);
  const issued = issuedSoFar(input.msisdn, input.billMonth, input.ledger);
  const account = accountFor(input.periods, input.billMonth);
  const plan = planCredits(diff.discrepancies, issued, account);
  return { month, diff, issued, account, plan };
}
