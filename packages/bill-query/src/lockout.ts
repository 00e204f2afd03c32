import {
  type BillingDatabase,
  clearFailures,
  countFailure,
  type LockScope,
  type LockSubject,
  lockedUntil,
} from "@billing/db";

export type { LockScope, LockSubject };

export interface LockPolicy {
  /** Wrong answers within the window that lock the subject. */
  readonly limit: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

/** Five wrong answers lock an msisdn for 15 minutes; a kiosk or web client, twenty. */
export const DEFAULT_LOCK_POLICY: Readonly<Record<LockScope, LockPolicy>> = {
  msisdn: { limit: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  kiosk: { limit: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  client: { limit: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
};

/**
 * Sign-in failures, kept in the database so a lock holds across restarts
 * and across the service's instances.
 */
export class Lockout {
  constructor(
    private readonly database: BillingDatabase,
    private readonly policy: Readonly<Record<LockScope, LockPolicy>> = DEFAULT_LOCK_POLICY,
  ) {}

  /** The latest instant (ms) until which any of the subjects is locked, or null. */
  async lockedUntil(
    subjects: readonly LockSubject[],
    nowMs: number,
  ): Promise<{ until: number; scope: LockScope } | null> {
    return lockedUntil(this.database, subjects, nowMs);
  }

  /** Counts one wrong answer against each subject, locking those that reach their limit. */
  async fail(subjects: readonly LockSubject[], nowMs: number): Promise<void> {
    const now = new Date(nowMs);
    for (const s of subjects) {
      const p = this.policy[s.scope];
      const windowStart = new Date(nowMs - p.windowMs);
      const lockUntil = new Date(nowMs + p.lockMs);
      await countFailure(this.database, s, { now, windowStart, lockUntil }, p.limit);
    }
  }

  /** A right answer clears the msisdn's count (a kiosk's count runs out with its window). */
  async succeed(msisdn: string, nowMs: number): Promise<void> {
    await clearFailures(this.database, msisdn, nowMs);
  }
}
