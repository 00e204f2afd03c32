import type { BillingDatabase, RawSession } from "@billing/db";
import { DisputeError } from "./errors.js";

/** Who opens, answers or reads a case: a customer at a kiosk or on the web, or a member of staff. */
export type Actor =
  | {
      readonly channel: "kiosk";
      readonly kioskId: string;
      readonly sessionId?: string;
      readonly clientAddress?: string;
    }
  | { readonly channel: "web"; readonly sessionId?: string; readonly clientAddress?: string }
  | { readonly channel: "staff"; readonly staffId: string; readonly clientAddress?: string };

/** Who acted, as the access log writes it. */
export function accessOf(actor: Actor, nowMs: number) {
  return {
    atMs: nowMs,
    kioskId: actor.channel === "kiosk" ? actor.kioskId : null,
    sessionId: actor.channel === "staff" ? null : (actor.sessionId ?? null),
    clientAddress: actor.clientAddress ?? null,
    staffId: actor.channel === "staff" ? actor.staffId : null,
  };
}

class Raced extends Error {}

/**
 * Reads, plans and writes in one transaction, again from the read when a
 * credit it planned was issued meanwhile by another process (the nightly run
 * on the same key): the ledger's (key, issue) uniqueness refused it, and the
 * plan is made again from what the ledger now holds.
 */
export async function inOneTry<T>(
  database: BillingDatabase,
  plan: () => Promise<{ work: (session: RawSession) => Promise<{ value: T; complete: boolean }> }>,
): Promise<T> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { work } = await plan();
    try {
      return await database.transaction(async (session) => {
        const { value, complete } = await work(session);
        if (!complete) throw new Raced();
        return value;
      });
    } catch (error) {
      if (!(error instanceof Raced)) throw error;
    }
  }
  throw new DisputeError("busy", "the ledger of this month kept changing while the case was written; try again");
}
