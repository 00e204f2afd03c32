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

/** Counts one wrong answer against a subject, locking it until `lockUntil` when it reaches `limit` within the window. */
export async function countFailure(
  database: BillingDatabase,
  s: LockSubject,
  at: { readonly now: Date; readonly windowStart: Date; readonly lockUntil: Date },
  limit: number,
): Promise<void> {
  const { now, windowStart, lockUntil } = at;
  // One statement, so concurrent wrong answers are all counted.
  await sql`
    INSERT INTO sign_in_failures (scope, subject, failures, window_started_at, locked_until)
    VALUES (${s.scope}, ${s.subject}, 1, ${now}, ${limit <= 1 ? lockUntil : null})
    ON CONFLICT (scope, subject) DO UPDATE SET
      failures = CASE WHEN sign_in_failures.window_started_at < ${windowStart} THEN 1
                      ELSE sign_in_failures.failures + 1 END,
      window_started_at = CASE WHEN sign_in_failures.window_started_at < ${windowStart} THEN ${now}
                               ELSE sign_in_failures.window_started_at END,
      locked_until = CASE
        WHEN sign_in_failures.window_started_at >= ${windowStart}
         AND sign_in_failures.failures + 1 >= ${limit} THEN ${lockUntil}
        ELSE sign_in_failures.locked_until END`.execute(database.db);
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
