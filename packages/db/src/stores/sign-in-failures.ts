import { sql } from "kysely";
import type { BillingDatabase } from "../dialect.js";

export type LockScope = "msisdn" | "kiosk" | "client";

export interface LockSubject {
  readonly scope: LockScope;
  readonly subject: string;
}

/** The latest instant (ms) until which any of the subjects is locked, or null. */
export async function lockedUntil(
  database: BillingDatabase,
  subjects: readonly LockSubject[],
  nowMs: number,
): Promise<{ until: number; scope: LockScope } | null> {
  if (subjects.length === 0) return null;
  const row = await database.db
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

/** The instants an attempt is judged by: now, the start of the window counted, the end of a lock set now. */
export interface AttemptClock {
  readonly now: Date;
  readonly windowStart: Date;
  readonly lockUntil: Date;
}

/**
 * Takes one of a subject's `limit` attempts, atomically: the count holds the
 * wrong answers of the window and the answers being checked now, so that a
 * burst of concurrent answers is checked `limit` at most before the lock. A
 * count whose window or lock has run out starts again. False when no attempt
 * is left: the subject is locked, or its attempts are all being checked.
 */
export async function admitAttempt(
  database: BillingDatabase,
  s: LockSubject,
  at: AttemptClock,
  limit: number,
): Promise<boolean> {
  const { now, windowStart } = at;
  const { rows } = await sql<{ failures: number }>`
    INSERT INTO sign_in_failures AS f (scope, subject, failures, window_started_at, locked_until)
    VALUES (${s.scope}, ${s.subject}, 1, ${now}, NULL)
    ON CONFLICT (scope, subject) DO UPDATE SET
      failures = CASE WHEN f.window_started_at < ${windowStart} OR f.locked_until <= ${now} THEN 1
                      ELSE f.failures + 1 END,
      window_started_at = CASE WHEN f.window_started_at < ${windowStart} OR f.locked_until <= ${now} THEN ${now}
                               ELSE f.window_started_at END,
      locked_until = CASE WHEN f.window_started_at < ${windowStart} OR f.locked_until <= ${now} THEN NULL
                          ELSE f.locked_until END
    WHERE f.window_started_at < ${windowStart} OR f.locked_until <= ${now}
       OR (f.locked_until IS NULL AND f.failures < ${limit})
    RETURNING f.failures`.execute(database.db);
  return rows.length === 1;
}

/** A wrong answer stays counted; the subject is locked until `lockUntil` once its count reaches `limit`. */
export async function lockAtLimit(database: BillingDatabase, s: LockSubject, at: AttemptClock, limit: number) {
  await sql`
    UPDATE sign_in_failures SET locked_until = ${at.lockUntil}
    WHERE scope = ${s.scope} AND subject = ${s.subject} AND failures >= ${limit}
      AND (locked_until IS NULL OR locked_until <= ${at.now})`.execute(database.db);
}

/** A right answer, or an attempt given up, no longer counts against the subject. */
export async function releaseAttempt(database: BillingDatabase, s: LockSubject): Promise<void> {
  await sql`
    UPDATE sign_in_failures SET failures = greatest(failures - 1, 0)
    WHERE scope = ${s.scope} AND subject = ${s.subject}`.execute(database.db);
}

/** Clears an msisdn's count of wrong answers, unless it is locked now. */
export async function clearFailures(database: BillingDatabase, msisdn: string, nowMs: number): Promise<void> {
  await database.db
    .deleteFrom("sign_in_failures")
    .where("scope", "=", "msisdn")
    .where("subject", "=", msisdn)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", new Date(nowMs))]))
    .execute();
}

/** The wrong answers counted against a subject in its window (0 when none is kept). */
export async function failuresOf(database: BillingDatabase, s: LockSubject): Promise<number> {
  const row = await database.db
    .selectFrom("sign_in_failures")
    .select("failures")
    .where("scope", "=", s.scope)
    .where("subject", "=", s.subject)
    .executeTakeFirst();
  return row?.failures ?? 0;
}
