import {
  appendAccess,
  type BillingDatabase,
  type DisputeCase,
  issueCredits,
  type NewDispute,
  openCase,
} from "@billing/db";
import {
  DISPUTE_ITEM,
  DISPUTE_REASONS,
  type DisputeReason,
  MAX_WORDS,
  type PlannedCredit,
  vasDisputeCredits,
} from "@billing/reconciliation";
import { DisputeError } from "./errors.js";
import { disputedMonth, holdsItem } from "./month.js";
import { type Actor, accessOf, inOneTry } from "./transaction.js";

export interface OpenRequest {
  readonly msisdn: string;
  readonly billMonth: string;
  /** A record id, `FEE:<plan_id>` or `VAS:<product_id>`; null or absent for the month as a whole. */
  readonly itemKey?: string | null;
  readonly reason: string;
  readonly words?: string;
  readonly actor: Actor;
  readonly nowMs: number;
}

export interface Opened {
  readonly case: DisputeCase;
  /** False when an open case on the same item was returned instead. */
  readonly created: boolean;
  /** The `vas_dispute` refunds this opening issued (先退费、后查证). */
  readonly refunds: readonly PlannedCredit[];
}

export function checkOpening(request: OpenRequest): { reason: DisputeReason; itemKey: string | null; words: string } {
  if (!(DISPUTE_REASONS as readonly string[]).includes(request.reason))
    throw new DisputeError("invalid_reason", `a reason is one of ${DISPUTE_REASONS.join(", ")}`);
  const itemKey = request.itemKey ?? null;
  if (itemKey !== null && !DISPUTE_ITEM.test(itemKey))
    throw new DisputeError("invalid_item", "an item is a record_id, FEE:<plan_id> or VAS:<product_id>");
  const words = (request.words ?? "").trim();
  if ([...words].length > MAX_WORDS)
    throw new DisputeError("words_too_long", `the words of a dispute are at most ${MAX_WORDS} characters`);
  return { reason: request.reason as DisputeReason, itemKey, words };
}

/**
 * Opens a case on an item of a stored subscriber-month (or returns the open
 * one on it) and, for a value-added line, issues its double refund in the
 * same transaction: a crash leaves both or neither, and opening again issues
 * what is still missing.
 */
export async function openDispute(database: BillingDatabase, request: OpenRequest): Promise<Opened> {
  const { reason, itemKey, words } = checkOpening(request);
  const opened = await inOneTry(database, async () => {
    const month = await disputedMonth(database, request.msisdn, request.billMonth);
    if (itemKey !== null && !holdsItem(month, itemKey))
      throw new DisputeError(
        "unknown_item",
        `${request.msisdn} has no item ${itemKey} in ${request.billMonth}: no record or bill line of that key`,
      );
    const refunds =
      itemKey === null
        ? []
        : vasDisputeCredits(month.result, month.inputs.billLines, request.msisdn, request.billMonth, itemKey);
    const dispute: NewDispute = {
      msisdn: request.msisdn,
      billMonth: request.billMonth,
      itemKey,
      reason,
      words,
      channel: request.actor.channel,
      channelId: channelIdOf(request.actor),
      openedMs: request.nowMs,
    };
    return {
      work: async (session) => {
        const { case: c, created } = await openCase(session, dispute);
        const issued = await issueCredits(session, refunds, {
          runId: c.caseId,
          inputDigests: { "replay.sha256": month.replay.sha256 },
          catalogueDigest: month.inputs.catalogueDigest,
        });
        return { value: { case: c, created, refunds: issued }, complete: issued.length === refunds.length };
      },
    };
  });
  await appendAccess(database, [
    {
      ...accessOf(request.actor, request.nowMs),
      msisdn: request.msisdn,
      billMonth: request.billMonth,
      action: "dispute_open",
      caseId: opened.case.caseId,
    },
  ]);
  return opened;
}

const channelIdOf = (actor: Actor): string | null =>
  actor.channel === "kiosk" ? actor.kioskId : actor.channel === "staff" ? actor.staffId : null;
