import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import {
  type BillingDatabase,
  hasPlanPeriod,
  kioskKeyHash,
  passwordHashOf,
  storeKiosk,
  storePasswordHash,
} from "@billing/db";
import { hashPassword, SERVICE_PASSWORD } from "./passwords.js";

export class CredentialError extends Error {
  override readonly name = "CredentialError";
  constructor(
    readonly code: "weak_password" | "unknown_msisdn" | "invalid_kiosk_id",
    message: string,
  ) {
    super(message);
  }
}

/** Whether any plan period is stored for the msisdn: only subscribers get a password or a code. */
export const isSubscriber = hasPlanPeriod;

/** Sets (or replaces) a subscriber's service password, stored only as a salted scrypt hash. */
export async function setServicePassword(database: BillingDatabase, msisdn: string, password: string): Promise<void> {
  if (!SERVICE_PASSWORD.test(password)) throw new CredentialError("weak_password", "a service password is six digits");
  if (!(await isSubscriber(database, msisdn)))
    throw new CredentialError("unknown_msisdn", `unknown msisdn ${msisdn}: no plan period is stored for it`);
  const passwordHash = await hashPassword(password);
  await storePasswordHash(database, msisdn, passwordHash);
}

export const storedPasswordHash = passwordHashOf;

// A kiosk key is 256 random bits: a fast hash keeps it safe at rest, and the
// service checks it on every request, where a slow hash would cost 50 ms.
const keyDigest = (key: string) => createHash("sha256").update(key).digest("hex");

export const KIOSK_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Registers a kiosk (or gives it a new key); returns the key, which is shown once and never stored. */
export async function registerKiosk(database: BillingDatabase, kioskId: string, name: string): Promise<string> {
  if (!KIOSK_ID.test(kioskId))
    throw new CredentialError("invalid_kiosk_id", "a kiosk id is 1 to 32 letters, digits, '-' or '_'");
  const key = randomBytes(32).toString("base64url");
  const keyHash = keyDigest(key);
  await storeKiosk(database, kioskId, keyHash, name);
  return key;
}

/**
 * Checks kiosk id + key against the stored digest on every request, so a new
 * key or a removal applies at once (`rememberMs` > 0 caches it). Requests of
 * one kiosk that arrive while its digest is being read share the next read:
 * each is answered by a read that began after it arrived, and a kiosk under
 * load costs two reads in flight, not one per request.
 */
export function kioskVerifier(database: BillingDatabase, now: () => number, rememberMs = 0) {
  const known = new Map<string, { digest: string | null; atMs: number }>();
  const reading = new Map<string, { current: Promise<string | null>; next: Promise<string | null> | null }>();
  const read = (kioskId: string): Promise<string | null> => {
    const lookup = () => (KIOSK_ID.test(kioskId) ? kioskKeyHash(database, kioskId) : Promise.resolve(null));
    const flight = reading.get(kioskId);
    if (!flight) {
      const current = lookup().finally(() => advance(kioskId));
      reading.set(kioskId, { current, next: null });
      return current;
    }
    // A read already under way may have begun before this request: wait for the one after it.
    flight.next ??= flight.current.catch(() => null).then(lookup);
    return flight.next;
  };
  const advance = (kioskId: string) => {
    const flight = reading.get(kioskId);
    if (flight?.next) {
      const current = flight.next.finally(() => advance(kioskId));
      reading.set(kioskId, { current, next: null });
    } else reading.delete(kioskId);
  };
  return async (kioskId: string, key: string): Promise<boolean> => {
    let entry = known.get(kioskId);
    if (!entry || now() - entry.atMs >= rememberMs) {
      const digest = await read(kioskId);
      entry = { digest, atMs: now() };
      if (known.size > 10_000) known.clear();
      known.set(kioskId, entry);
    }
    if (entry.digest === null) return false;
    const given = Buffer.from(keyDigest(key));
    const stored = Buffer.from(entry.digest);
    return given.length === stored.length && timingSafeEqual(given, stored);
  };
}
