import { BILLING_OFFSET_MS, describeZh, formatCents, type ZhNames } from "@billing/rating";
import type { BilledLine } from "./diff.js";
import { creditId, idempotencyKey, type PlannedCredit, type RefundKey } from "./ledger.js";
import type { SubscriberMonthResult } from "./subscriber-month.js";

/** The short list a customer chooses from (disputes.md, Opening a dispute). */
export const DISPUTE_REASONS = ["not_made", "wrong_quantity", "wrong_rate", "never_ordered", "other"] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

export const REASON_ZH: Readonly<Record<DisputeReason, string>> = {
  not_made: "没有发生过",
  wrong_quantity: "时长或流量不对",
  wrong_rate: "单价不对",
  never_ordered: "从未订购",
  other: "其他",
};

export const DISPUTE_OUTCOMES = ["error_found", "no_error", "withdrawn"] as const;
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];

export type DisputeChannel = "kiosk" | "web" | "staff";

/** 48小时内100%回复. */
export const RESPONSE_MS = 48 * 3_600_000;
/** Staff's list flags the cases due within this. */
export const DUE_SOON_MS = 12 * 3_600_000;
export const MAX_WORDS = 500;

/** An item key a dispute can name, a record id, `FEE:<plan_id>` or `VAS:<product_id>`, checked against the month after. */
export const DISPUTE_ITEM = /^\S{1,68}$/;

export const dueAt = (openedMs: number) => openedMs + RESPONSE_MS;

/** `TS20260915-000123`: the opening day in UTC+8, then the case's sequence number. */
export function caseId(openedMs: number, seq: number): string {
  const day = new Date(openedMs + BILLING_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, "");
  return `TS${day}-${String(seq).padStart(6, "0")}`;
}

/** Where a case stands on its clock: open ones by how near their due time is, answered ones by whether on time. */
export type ClockState = "open" | "due_soon" | "overdue" | "answered" | "answered_late";

export function clockState(
  c: { readonly dueMs: number; readonly answeredMs: number | null },
  nowMs: number,
): ClockState {
  if (c.answeredMs !== null) return c.answeredMs > c.dueMs ? "answered_late" : "answered";
  if (nowMs > c.dueMs) return "overdue";
  return c.dueMs - nowMs <= DUE_SOON_MS ? "due_soon" : "open";
}

/**
 * 先退费、后查证: the double refund of every bill line of a disputed `VAS:`
 * item (2 × billed), less what the ledger already holds for the line's key,
 * so a nightly refund and this one together never pass 2 × billed.
 */
export function vasDisputeCredits(
  result: SubscriberMonthResult,
  billLines: readonly BilledLine[],
  msisdn: string,
  billMonth: string,
  itemKey: string,
): PlannedCredit[] {
  if (!itemKey.startsWith("VAS:") || !result.account) return [];
  const credits: PlannedCredit[] = [];
  for (const line of billLines) {
    if (line.itemKey !== itemKey || line.cents <= 0) continue;
    const key: RefundKey = { msisdn, billMonth, itemKey, occurrence: line.occurrence };
    const idem = idempotencyKey(key);
    const already = result.issued.get(idem);
    const owed = 2 * line.cents;
    const due = owed - (already?.totalCents ?? 0);
    if (due <= 0) continue;
    const issueSeq = (already?.lastSeq ?? 0) + 1;
    credits.push({
      creditId: creditId(idem, issueSeq),
      idempotencyKey: idem,
      issueSeq,
      account: result.account,
      key,
      class: "vas_dispute",
      overchargeCents: due / 2,
      refundCents: due,
      owedTotalCents: owed,
    });
  }
  return credits;
}

/** What the replay says of a disputed item (or of the whole month when `itemKey` is null). */
export interface Finding {
  /** Double refunds the replay shows as owed on it, issued or not. */
  readonly owedCents: number;
  /** Of those, what the ledger has not issued yet: what an `error_found` answer issues. */
  readonly stillOwed: readonly PlannedCredit[];
  /** The replay's explanation in plain Chinese: the rule behind each charge of the item, or the month's totals. */
  readonly explanationZh: string;
}

export function findingOf(result: SubscriberMonthResult, itemKey: string | null, names?: ZhNames): Finding {
  const concerns = (key: string) => itemKey === null || key === itemKey;
  const owed = result.diff.discrepancies.filter((d) => concerns(d.itemKey) && d.refundCents > 0);
  const owedCents = owed.reduce((n, d) => n + d.refundCents, 0);
  const stillOwed = result.plan.credits.filter((c) => concerns(c.key.itemKey));
  return { owedCents, stillOwed, explanationZh: explanationZh(result, itemKey, owedCents, names) };
}

function explanationZh(
  result: SubscriberMonthResult,
  itemKey: string | null,
  owedCents: number,
  names: ZhNames | undefined,
): string {
  const verdict =
    owedCents > 0
      ? `经重新计算，多收部分应双倍返还 ${formatCents(owedCents)} 元。`
      : "经按公布资费重新计算，未发现多收。";
  if (itemKey === null) {
    const expected = result.month.items.reduce((n, i) => n + (i.cents ?? 0), 0);
    return `本月各项按公布资费应收合计 ${formatCents(expected)} 元。${verdict}`;
  }
  const item = result.month.items.find((i) => i.itemKey === itemKey);
  if (!item) return `账单中此项没有对应的使用记录或订购。${verdict}`;
  const rule = describeZh(item.explanation, item.cents === null ? null : formatCents(item.cents), names);
  return `${rule}。${verdict}`;
}
