import { createWriteStream, type WriteStream } from "node:fs";
import { formatCents } from "@billing/rating";
import { closeStream, csvLine } from "./csv.js";
import type { Discrepancy } from "./diff.js";
import type { Account, PlannedCredit } from "./ledger.js";

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

const money = (cents: number | null) => (cents === null ? "" : formatCents(cents));

export function discrepancyFields(d: Discrepancy, account: Account | null): string[] {
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

export function creditFields(c: PlannedCredit): string[] {
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

/** A CSV output file written row by row (RFC 4180, CRLF). */
export class CsvOutput {
  private readonly out: WriteStream;
  rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.out = createWriteStream(path);
    this.out.write(csvLine(header));
  }

  /** Writes a row; returns a promise only when the stream's buffer is full and the caller should wait. */
  write(fields: readonly string[]): Promise<void> | undefined {
    this.rows += 1;
    if (this.out.write(csvLine(fields))) return undefined;
    return new Promise((resolve) => this.out.once("drain", resolve));
  }

  close(): Promise<void> {
    return closeStream(this.out);
  }
}
