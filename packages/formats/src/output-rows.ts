import { formatCents } from "@billing/rating";

/** The columns of discrepancies.csv (formats.md). */
export const DISCREPANCY_HEADER = [
  "bill_month",
  "msisdn",
  "account_id",
  "item_key",
  "class",
  "billed",
  "expected",
  "difference",
  "refund",
  "explanation",
] as const;

/** The columns of credits.csv (formats.md). */
export const CREDIT_HEADER = [
  "credit_id",
  "account_id",
  "msisdn",
  "bill_month",
  "item_key",
  "class",
  "overcharge",
  "refund",
  "settle_to",
  "idempotency_key",
] as const;

/** What a row of discrepancies.csv is made of: a discrepancy (reconciliation) seen by its fields. */
export interface DiscrepancyRow {
  readonly billMonth: string;
  readonly msisdn: string;
  readonly itemKey: string;
  readonly class: string;
  readonly billedCents: number | null;
  readonly expectedCents: number | null;
  readonly differenceCents: number | null;
  readonly refundCents: number;
  readonly explanation: string;
}

/** What a row of credits.csv is made of: a planned credit (reconciliation) seen by its fields. */
export interface CreditRow {
  readonly creditId: string;
  readonly idempotencyKey: string;
  readonly account: { readonly accountId: string; readonly settleTo: string };
  readonly key: { readonly msisdn: string; readonly billMonth: string; readonly itemKey: string };
  readonly class: string;
  readonly overchargeCents: number;
  readonly refundCents: number;
}

const money = (cents: number | null) => (cents === null ? "" : formatCents(cents));

export function discrepancyFields(d: DiscrepancyRow, account: { readonly accountId: string } | null): string[] {
  return [
    d.billMonth,
    d.msisdn,
    account?.accountId ?? "",
    d.itemKey,
    d.class,
    money(d.billedCents),
    money(d.expectedCents),
    money(d.differenceCents),
    formatCents(d.refundCents),
    d.explanation,
  ];
}

export function creditFields(c: CreditRow): string[] {
  return [
    c.creditId,
    c.account.accountId,
    c.key.msisdn,
    c.key.billMonth,
    c.key.itemKey,
    c.class,
    formatCents(c.overchargeCents),
    formatCents(c.refundCents),
    c.account.settleTo,
    c.idempotencyKey,
  ];
}
