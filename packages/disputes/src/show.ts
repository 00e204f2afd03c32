import {
  type AccessEntry,
  appendAccess,
  type BillingDatabase,
  creditsOfMonth,
  type DisputeCase,
  type DisputeFilter,
  disputeById,
  listDisputes,
} from "@billing/db";
import { type ClockState, clockState, type Replay, type StoredCredit } from "@billing/reconciliation";
import { DisputeError } from "./errors.js";
import { disputedMonth } from "./month.js";
import { type Actor, accessOf } from "./transaction.js";

/** A case with where it stands on its clock and the credits of its item (or month). */
export interface CaseView {
  readonly case: DisputeCase;
  readonly clock: ClockState;
  readonly credits: readonly StoredCredit[];
}

/** Cases by due time with their clock; each read goes to the access log. */
export async function casesOf(
  database: BillingDatabase,
  filter: DisputeFilter,
  actor: Actor,
  nowMs: number,
): Promise<CaseView[]> {
  const cases = await listDisputes(database, filter);
  const ledger = new Map<string, StoredCredit[]>();
  const views: CaseView[] = [];
  for (const c of cases) {
    const month = `${c.msisdn} ${c.billMonth}`;
    let credits = ledger.get(month);
    if (!credits) {
      credits = await creditsOfMonth(database, c.msisdn, c.billMonth);
      ledger.set(month, credits);
    }
    views.push(viewWith(c, credits, nowMs));
  }
  await logReads(database, cases, actor, nowMs);
  return views;
}

/** A case's view without a read logged: the answer to the request that just opened or answered it. */
export async function viewOf(database: BillingDatabase, c: DisputeCase, nowMs: number): Promise<CaseView> {
  return viewWith(c, await creditsOfMonth(database, c.msisdn, c.billMonth), nowMs);
}

/** One case, its clock, and the replay of its month: items, billed, refunds owed and issued, digest. */
export async function showDispute(
  database: BillingDatabase,
  id: string,
  actor: Actor,
  nowMs: number,
): Promise<CaseView & { readonly replay: Replay }> {
  const c = await disputeById(database, id);
  if (!c) throw new DisputeError("not_found", `no dispute ${id}`);
  const month = await disputedMonth(database, c.msisdn, c.billMonth);
  await logReads(database, [c], actor, nowMs);
  return { ...viewWith(c, month.inputs.credits, nowMs), replay: month.replay };
}

/** A case with its clock at `nowMs` and, of the month's credits, those of its item (all of them for the month). */
function viewWith(c: DisputeCase, monthCredits: readonly StoredCredit[], nowMs: number): CaseView {
  return {
    case: c,
    clock: clockState({ dueMs: c.dueMs, answeredMs: c.answer?.answeredMs ?? null }, nowMs),
    credits: monthCredits.filter((k) => c.itemKey === null || k.itemKey === c.itemKey),
  };
}

async function logReads(database: BillingDatabase, cases: readonly DisputeCase[], actor: Actor, nowMs: number) {
  if (cases.length === 0) return;
  const entries: AccessEntry[] = cases.map((c) => ({
    ...accessOf(actor, nowMs),
    msisdn: c.msisdn,
    billMonth: c.billMonth,
    action: "dispute_read",
    caseId: c.caseId,
  }));
  await appendAccess(database, entries);
}
