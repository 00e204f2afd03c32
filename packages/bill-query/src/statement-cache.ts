import type { BillingDatabase } from "@billing/db";
import { loadStatement, type Statement } from "./statement.js";

/**
 * Statements rated in the last `ttlMs`, least recently used dropped first. A
 * kiosk user pages through one month, and each page would otherwise re-read
 * and re-rate the whole month. New records show within `ttlMs`; cursors stay
 * valid across a refresh because they name a record, not a position.
 */
export function statementCache(
  database: BillingDatabase,
  options: { readonly ttlMs: number; readonly maxEntries: number; readonly now: () => number },
) {
  const entries = new Map<string, { atMs: number; statement: Promise<Statement | null> }>();
  return (msisdn: string, month: string): Promise<Statement | null> => {
    const key = `${msisdn}|${month}`;
    const now = options.now();
    const hit = entries.get(key);
    if (hit && now - hit.atMs <= options.ttlMs) {
      entries.delete(key);
      entries.set(key, hit);
      return hit.statement;
    }
    const statement = loadStatement(database, msisdn, month);
    entries.set(key, { atMs: now, statement });
    statement.catch(() => {
      if (entries.get(key)?.statement === statement) entries.delete(key);
    });
    while (entries.size > options.maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
    return statement;
  };
}
