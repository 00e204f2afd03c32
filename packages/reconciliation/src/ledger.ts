import { createHash } from "node:crypto";
import type { PlanPeriod } from "@billing/rating";
import type { Discrepancy, DiscrepancyClass } from "./diff.js";

/** The key of an owed refund (reconcile.md, The credit ledger). */
export interface RefundKey {
  readonly msisdn: string;
  readonly billMonth: string;
  readonly itemKey: string;
  readonly occurrence: number;
}

/** A stable hash of the refund key: SHA-256 of its fields joined by U+001F. */
export function idempotencyKey(key: RefundKey): string {
  return createHash("sha256")
    .update([key.msisdn, key.billMonth, key.itemKey, String(key.occurrence)].join("\u001f"))
    .digest("hex");
}

/** A credit's id follows from its key and issue number, so every process names it the same way. */
export function creditId(idempotency: string, issueSeq: number): string {
  return `CR-${createHash("sha256").update(`${idempotency}#${issueSeq}`).digest("hex").slice(0, 24)}`;
}

/** What the ledger already holds for a key. */
export interface IssuedSoFar {
  readonly totalCents: number;
  readonly lastSeq: number;
}

export interface Account {
  readonly accountId: string;
  readonly settleTo: "balance" | "next_bill";
  /** The tariff plan of that period, for reports. */
  readonly planId: string;
}

/** A credit's class: the discrepancy's that owes it, or the refund of a disputed value-added line (disputes.md). */
export type CreditClass = DiscrepancyClass | "vas_dispute";

export interface PlannedCredit {
  readonly creditId: string;
  readonly idempotencyKey: string;
  readonly issueSeq: number;
  readonly account: Account;
  readonly key: RefundKey;
  readonly class: CreditClass;
  /** Half the refund: the overcharge returned (返还); the other half is compensation (赠送). */
  readonly overchargeCents: number;
  readonly refundCents: number;
  /** What the key's credits add up to once this one is issued. */
  readonly owedTotalCents: number;
}

export interface OverCredited {
  readonly key: RefundKey;
  readonly idempotencyKey: string;
  readonly owedCents: number;
  readonly issuedCents: number;
}

export interface CreditPlan {
  readonly credits: readonly PlannedCredit[];
  readonly overCredited: readonly OverCredited[];
  /** Refunds owed where no account is known to settle them to: listed for review, not issued. */
  readonly noAccount: readonly Discrepancy[];
}

/**
 * Owed-minus-issued for each refund key of a subscriber-month: issue the
 * difference when positive; report a key whose owed amount fell below what
 * was issued as over-credited, never clawing back.
 */
export function planCredits(
  discrepancies: readonly Discrepancy[],
  issued: ReadonlyMap<string, IssuedSoFar & { readonly key: RefundKey }>,
  account: Account | null,
): CreditPlan {
  const credits: PlannedCredit[] = [];
  const overCredited: OverCredited[] = [];
  const noAccount: Discrepancy[] = [];
  const owedKeys = new Set<string>();
  for (const d of discrepancies) {
    if (d.refundCents <= 0) continue;
    const key: RefundKey = { msisdn: d.msisdn, billMonth: d.billMonth, itemKey: d.itemKey, occurrence: d.occurrence };
    const idem = idempotencyKey(key);
    owedKeys.add(idem);
    const already = issued.get(idem);
    const issuedCents = already?.totalCents ?? 0;
    if (d.refundCents < issuedCents) {
      overCredited.push({ key, idempotencyKey: idem, owedCents: d.refundCents, issuedCents });
      continue;
    }
    const due = d.refundCents - issuedCents;
    if (due === 0) continue;
    if (!account) {
      noAccount.push(d);
      continue;
    }
    const issueSeq = (already?.lastSeq ?? 0) + 1;
    credits.push({
      creditId: creditId(idem, issueSeq),
      idempotencyKey: idem,
      issueSeq,
      account,
      key,
      class: d.class,
      overchargeCents: due / 2,
      refundCents: due,
      owedTotalCents: d.refundCents,
    });
  }
  for (const [idem, already] of issued) {
    if (!owedKeys.has(idem) && already.totalCents > 0) {
      overCredited.push({ key: already.key, idempotencyKey: idem, owedCents: 0, issuedCents: already.totalCents });
    }
  }
  return { credits, overCredited, noAccount };
}

/**
 * The account a subscriber-month's credits settle to: that of the latest plan
 * period active in the month, else the latest one before it. Prepaid credits
 * go to the balance, postpaid ones to the next bill.
 */
export function accountFor(periods: readonly PlanPeriod[], billMonth: string): Account | null {
  const monthStart = `${billMonth}-01`;
  const monthEnd = `${billMonth}-32`;
  const candidates = periods
    .filter((p) => p.activeFrom < monthEnd)
    .sort((a, b) => (a.activeFrom < b.activeFrom ? 1 : -1));
  const active = candidates.find((p) => p.activeTo === null || p.activeTo > monthStart) ?? candidates[0];
  if (!active) return null;
  return {
    accountId: active.accountId,
    settleTo: active.payment === "prepaid" ? "balance" : "next_bill",
    planId: active.planId,
  };
}
