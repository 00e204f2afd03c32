import {
  admitAttempt,
  type BillingDatabase,
  clearFailures,
  failuresOf,
  type LockScope,
  type LockSubject,
  lockAtLimit,
  lockedUntil,
  releaseAttempt,
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

  /**
   * Takes an attempt of each subject before an answer is checked; false,
   * taking none, when any subject has none left (counted in the database, so
   * it holds under a burst and across the service's instances).
   */
  async admit(subjects: readonly LockSubject[], nowMs: number): Promise<boolean> {
    const taken: LockSubject[] = [];
    for (const s of subjects) {
      const p = this.policy[s.scope];
      if (!(await admitAttempt(this.database, s, this.clock(p, nowMs), p.limit))) {
        for (const t of taken) await releaseAttempt(this.database, t);
        return false;
      }
      taken.push(s);
    }
    return true;
  }

  /**
   * An admitted answer was wrong: it stays counted, and a subject at its limit
   * is locked. Returns the tries the msisdn has left before its lock.
   */
  async fail(subjects: readonly LockSubject[], nowMs: number): Promise<number> {
    let left = Number.POSITIVE_INFINITY;
    for (const s of subjects) {
      const p = this.policy[s.scope];
      await lockAtLimit(this.database, s, this.clock(p, nowMs), p.limit);
      if (s.scope === "msisdn") left = Math.max(0, p.limit - (await failuresOf(this.database, s)));
    }
    return left;
  }

  /** How long a lock of the scope lasts, in minutes: what the kiosk warns of. */
  lockMinutes(scope: LockScope): number {
    return Math.round(this.policy[scope].lockMs / 60_000);
  }

  /** An admitted answer was right: the msisdn's count is cleared, the kiosk's (or client's) attempt given back. */
  async succeed(subjects: readonly LockSubject[], msisdn: string, nowMs: number): Promise<void> {
    await clearFailures(this.database, msisdn, nowMs);
    for (const s of subjects) if (s.scope !== "msisdn") await releaseAttempt(this.database, s);
  }

  private clock(p: LockPolicy, nowMs: number) {
    return { now: new Date(nowMs), windowStart: new Date(nowMs - p.windowMs), lockUntil: new Date(nowMs + p.lockMs) };
  }
}
