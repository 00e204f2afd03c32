import {
  appendAccess,
  type BillingDatabase,
  creditIdsOf,
  type DisputeAnswer,
  type DisputeCase,
  disputeById,
  issueCredits,
  recordAnswer,
} from "@billing/db";
import {
  DISPUTE_OUTCOMES,
  type DisputeOutcome,
  findingOf,
  MAX_WORDS,
  type PlannedCredit,
} from "@billing/reconciliation";
import { DisputeError } from "./errors.js";
import { disputedMonth } from "./month.js";
import { accessOf, inOneTry } from "./transaction.js";

export interface AnswerRequest {
  readonly caseId: string;
  readonly outcome: string;
  readonly staffId: string;
  readonly text?: string;
  readonly nowMs: number;
  readonly clientAddress?: string;
}

export interface Answered {
  readonly case: DisputeCase;
  /** What this answer issued: the refund the replay shows as owed and not yet issued. */
  readonly issued: readonly PlannedCredit[];
}

/**
 * Answers an open case from a replay of its month. `error_found` needs a
 * refund owed on the item and issues what of it the ledger lacks (nothing
 * when the nightly run already credited it); `no_error` needs none owed and
 * carries the replay's explanation in Chinese; `withdrawn` needs neither.
 * The credits and the answer are one transaction.
 */
export async function answerDispute(database: BillingDatabase, request: AnswerRequest): Promise<Answered> {
  if (!(DISPUTE_OUTCOMES as readonly string[]).includes(request.outcome))
    throw new DisputeError("invalid_outcome", `an outcome is one of ${DISPUTE_OUTCOMES.join(", ")}`);
  const outcome = request.outcome as DisputeOutcome;
  const text = request.text?.trim() || null;
  if (text !== null && [...text].length > MAX_WORDS)
    throw new DisputeError("words_too_long", `an answer's words are at most ${MAX_WORDS} characters`);
  const issued = await inOneTry(database, async () => {
    const c = await openCaseOf(database, request.caseId);
    const month = await disputedMonth(database, c.msisdn, c.billMonth);
    const finding = findingOf(month.result, c.itemKey, month.names);
    const what = c.itemKey ?? `the month ${c.billMonth}`;
    if (outcome === "error_found" && finding.owedCents === 0)
      throw new DisputeError("no_refund_owed", `the replay shows no refund owed on ${what}: answer no_error`);
    if (outcome === "no_error" && finding.owedCents > 0)
      throw new DisputeError("refund_owed", `the replay shows a refund owed on ${what}: answer error_found`);
    const toIssue = outcome === "error_found" ? finding.stillOwed : [];
    return {
      work: async (session) => {
        const credits = await issueCredits(session, toIssue, {
          runId: c.caseId,
          inputDigests: { "replay.sha256": month.replay.sha256 },
          catalogueDigest: month.inputs.catalogueDigest,
        });
        const answer: DisputeAnswer = {
          outcome,
          text,
          explanationZh: outcome === "withdrawn" ? null : finding.explanationZh,
          answeredMs: request.nowMs,
          staffId: request.staffId,
          late: request.nowMs > c.dueMs,
          replaySha256: month.replay.sha256,
          creditIds: await creditIdsOf(session, c.msisdn, c.billMonth, c.itemKey),
        };
        if (!(await recordAnswer(session, c.caseId, answer)))
          throw new DisputeError("already_answered", `case ${c.caseId} has been answered meanwhile`);
        return { value: credits, complete: credits.length === toIssue.length };
      },
    };
  });
  const answered = (await disputeById(database, request.caseId)) as DisputeCase;
  await appendAccess(database, [
    {
      ...accessOf({ channel: "staff", staffId: request.staffId, clientAddress: request.clientAddress }, request.nowMs),
      msisdn: answered.msisdn,
      billMonth: answered.billMonth,
      action: "dispute_answer",
      caseId: answered.caseId,
    },
  ]);
  return { case: answered, issued };
}

async function openCaseOf(database: BillingDatabase, id: string): Promise<DisputeCase> {
  const c = await disputeById(database, id);
  if (!c) throw new DisputeError("not_found", `no dispute ${id}`);
  if (c.status !== "open") throw new DisputeError("already_answered", `case ${id} was answered already`);
  return c;
}
