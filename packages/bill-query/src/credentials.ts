import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { BillingDatabase } from "@billing/db";
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
export async function isSubscriber(database: BillingDatabase, msisdn: string): Promise<boolean> {
  const row = await database.db
    .selectFrom("subscriber_periods")
    .select("msisdn")
    .where("msisdn", "=", msisdn)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Sets (or replaces) a subscriber's service password, stored only as a salted scrypt hash. */
export async function setServicePassword(database: BillingDatabase, msisdn: string, password: string): Promise<void> {
  if (!SERVICE_PASSWORD.test(password)) throw new CredentialError("weak_password", "a service password is six digits");
  if (!(await isSubscriber(database, msisdn)))
    throw new CredentialError("unknown_msisdn", `unknown msisdn ${msisdn}: no plan period is stored for it`);
  const passwordHash = await hashPassword(password);
  await database.db
    .insertInto("service_credentials")
    .values({ msisdn, password_hash: passwordHash })
    .onConflict((oc) => oc.column("msisdn").doUpdateSet({ password_hash: passwordHash, updated_at: new Date() }))
    .execute();
}

export async function storedPasswordHash(database: BillingDatabase, msisdn: string): Promise<string | null> {
  const row = await database.db
    .selectFrom("service_credentials")
    .select("password_hash")
    .where("msisdn", "=", msisdn)
    .executeTakeFirst();
  return row?.password_hash ?? null;
}

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
  await database.db
    .insertInto("kiosks")
    .values({ kiosk_id: kioskId, key_hash: keyHash, name })
    .onConflict((oc) => oc.column("kiosk_id").doUpdateSet({ key_hash: keyHash, name }))
    .execute();
  return key;
}

/** Checks kiosk id + key, remembering stored digests for a while so a new key or a removal applies soon. */
export function kioskVerifier(database: BillingDatabase, now: () => number, rememberMs = 30_000) {
  const known = new Map<string, { digest: string | null; atMs: number }>();
  return async (kioskId: string, key: string): Promise<boolean> => {
    let entry = known.get(kioskId);
    if (!entry || now() - entry.atMs > rememberMs) {
      const row = KIOSK_ID.test(kioskId)
        ? await database.db.selectFrom("kiosks").select("key_hash").where("kiosk_id", "=", kioskId).executeTakeFirst()
        : undefined;
      entry = { digest: row?.key_hash ?? null, atMs: now() };
      if (known.size > 10_000) known.clear();
      known.set(kioskId, entry);
    }
    if (entry.digest === null) return false;
    const given = Buffer.from(keyDigest(key));
    const stored = Buffer.from(entry.digest);
    return given.length === stored.length && timingSafeEqual(given, stored);
  };
}
