import { type BillingDatabase, loadReplayInputs } from "@billing/db";
import { namesOf, type ZhNames } from "@billing/rating";
import {
  computeReplay,
  type Replay,
  ReplayError,
  type ReplayInputs,
  type SubscriberMonthResult,
} from "@billing/reconciliation";
import { DisputeError } from "./errors.js";

/** A disputed subscriber-month as the replay sees it: its stored inputs, reconciled, and sealed with its digest. */
export interface DisputedMonth {
  readonly inputs: ReplayInputs;
  readonly result: SubscriberMonthResult;
  readonly replay: Replay;
  readonly names: ZhNames;
}

/** The one read and the one reconciliation a replay makes (reconcileStored), for the case's month. */
export async function disputedMonth(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<DisputedMonth> {
  try {
    const inputs = await loadReplayInputs(database, msisdn, billMonth);
    const replay = computeReplay(inputs);
    const { catalogue, ...result } = replay.reconciled;
    return { inputs, result, replay, names: namesOf(catalogue) };
  } catch (error) {
    if (error instanceof ReplayError && error.code !== "catalogue_refused")
      throw new DisputeError(error.code, error.message);
    throw error;
  }
}

/** Whether the month holds the item: a rated item or a bill line of that key. */
export function holdsItem(month: DisputedMonth, itemKey: string): boolean {
  return (
    month.result.month.items.some((i) => i.itemKey === itemKey) ||
    month.inputs.billLines.some((l) => l.itemKey === itemKey)
  );
}
