import type { BillingDatabase } from "@billing/db";
import { sql } from "kysely";

export type LockScope = "msisdn" | "kiosk" | "client";

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

export interface LockSubject {
  readonly scope: LockScope;
  readonly subject: string;
}

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
    if (subjects.length === 0) return null;
    const row = await this.database.db
      .selectFrom("sign_in_failures")
      .select(["scope", "locked_until"])
      .where((eb) => eb.or(subjects.map((s) => eb.and([eb("scope", "=", s.scope), eb("subject", "=", s.subject)]))))
      .where("locked_until", ">", new Date(nowMs))
      .orderBy("locked_until", "desc")
      // On a tie the number's own lock is the one to report.
      .orderBy(sql`scope = 'msisdn'`, "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.locked_until ? { until: row.locked_until.getTime(), scope: row.scope } : null;
  }

  /** Counts one wrong answer against each subject, locking those that reach their limit. */
  async fail(subjects: readonly LockSubject[], nowMs: number): Promise<void> {
    const now = new Date(nowMs);
    for (const s of subjects) {
      const p = this.policy[s.scope];
      const windowStart = new Date(nowMs - p.windowMs);
      const lockUntil = new Date(nowMs + p.lockMs);
      // One statement, so concurrent wrong answers are all counted.
      await sql`
        INSERT INTO sign_in_failures (scope, subject, failures, window_started_at, locked_until)
        VALUES (${s.scope}, ${s.subject}, 1, ${now}, ${p.limit <= 1 ? lockUntil : null})
        ON CONFLICT (scope, subject) DO UPDATE SET
          failures = CASE WHEN sign_in_failures.window_started_at < ${windowStart} THEN 1
                          ELSE sign_in_failures.failures + 1 END,
          window_started_at = CASE WHEN sign_in_failures.window_started_at < ${windowStart} THEN ${now}
                                   ELSE sign_in_failures.window_started_at END,
          locked_until = CASE
            WHEN sign_in_failures.window_started_at >= ${windowStart}
             AND sign_in_failures.failures + 1 >= ${p.limit} THEN ${lockUntil}
            ELSE sign_in_failures.locked_until END`.execute(this.database.db);
    }
  }

  /** A right answer clears the msisdn's count (a kiosk's count runs out with its window). */
  async succeed(msisdn: string, nowMs: number): Promise<void> {
    await this.database.db
      .deleteFrom("sign_in_failures")
      .where("scope", "=", "msisdn")
      .where("subject", "=", msisdn)
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", new Date(nowMs))]))
      .execute();
  }
}
