import { type BillingDatabase, dataVersion } from "@billing/db";
import { loadStatement, type Statement } from "./statement.js";

/**
 * Rated statements, reused while the stored data is unchanged (checked at
 * most once per `pollMs`) and for at most `maxAgeMs`; least recently used
 * dropped first. A kiosk user pages through one month, and each page would
 * otherwise re-read and re-rate the whole month. Cursors stay valid across a
 * refresh because they name a record, not a position.
 */
export function statementCache(
  database: BillingDatabase,
  options: {
    readonly maxAgeMs: number;
    readonly pollMs: number;
    readonly maxEntries: number;
    readonly now: () => number;
  },
) {
  const entries = new Map<string, { atMs: number; version: string; statement: Promise<Statement | null> }>();
  let version: { value: string; atMs: number } | null = null;
  let polling: Promise<string> | null = null;

  const currentVersion = async (): Promise<string> => {
    const now = options.now();
    if (version && now - version.atMs < options.pollMs) return version.value;
    polling ??= dataVersion(database).finally(() => {
      polling = null;
    });
    const value = await polling;
    version = { value, atMs: now };
    return value;
  };

  return async (msisdn: string, month: string): Promise<Statement | null> => {
    const key = `${msisdn}|${month}`;
    const current = await currentVersion();
    const now = options.now();
    const hit = entries.get(key);
    entries.delete(key);
    if (hit && hit.version === current && now - hit.atMs <= options.maxAgeMs) {
      entries.set(key, hit);
      return hit.statement;
    }
    const statement = loadStatement(database, msisdn, month);
    entries.set(key, { atMs: now, version: current, statement });
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
