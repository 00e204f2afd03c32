import type { DisputeCase } from "@billing/db";
import { formatCents, formatTimestamp } from "@billing/rating";
import { REASON_ZH } from "@billing/reconciliation";
import type { CaseView } from "./show.js";

/** A case as `billing disputes --json` and the HTTP API give it: snake_case, times in UTC+8, money exact. */
export function caseDocument(v: CaseView) {
  const c: DisputeCase = v.case;
  return {
    case_id: c.caseId,
    msisdn: c.msisdn,
    bill_month: c.billMonth,
    item_key: c.itemKey,
    reason: c.reason,
    reason_zh: REASON_ZH[c.reason],
    words: c.words,
    channel: c.channel,
    channel_id: c.channelId,
    opened_at: formatTimestamp(c.openedMs),
    due_at: formatTimestamp(c.dueMs),
    status: c.status,
    clock: v.clock,
    answer: c.answer && {
      outcome: c.answer.outcome,
      text: c.answer.text,
      explanation_zh: c.answer.explanationZh,
      answered_at: formatTimestamp(c.answer.answeredMs),
      staff_id: c.answer.staffId,
      late: c.answer.late,
      replay_sha256: c.answer.replaySha256,
      credit_ids: c.answer.creditIds,
    },
    refund: formatCents(v.credits.reduce((n, k) => n + k.refundCents, 0)),
    credits: v.credits.map((k) => ({
      credit_id: k.creditId,
      item_key: k.itemKey,
      occurrence: k.occurrence,
      class: k.class,
      refund: formatCents(k.refundCents),
      run_id: k.runId,
    })),
  };
}
