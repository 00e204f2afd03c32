import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type BillingDatabase, staffKeyHash, storeStaff } from "@billing/db";
import { DisputeError } from "./errors.js";

export const STAFF_ID = /^[A-Za-z0-9_-]{1,32}$/;

// A staff key is 256 random bits, like a kiosk key: a fast hash keeps it safe at rest.
const keyDigest = (key: string) => createHash("sha256").update(key).digest("hex");

/** Registers a member of staff (or gives them a new key); returns the key, shown once and never stored. */
export async function registerStaff(database: BillingDatabase, staffId: string, name: string): Promise<string> {
  if (!STAFF_ID.test(staffId))
    throw new DisputeError("unknown_staff", "a staff id is 1 to 32 letters, digits, '-' or '_'");
  const key = randomBytes(32).toString("base64url");
  await storeStaff(database, staffId, keyDigest(key), name);
  return key;
}

/** Whether the staff id is registered: only registered staff open or answer cases. */
export async function isStaff(database: BillingDatabase, staffId: string): Promise<boolean> {
  return STAFF_ID.test(staffId) && (await staffKeyHash(database, staffId)) !== null;
}

/** Checks a staff id and key against the stored digest, on every request. */
export async function staffKeyOk(database: BillingDatabase, staffId: string, key: string): Promise<boolean> {
  const stored = STAFF_ID.test(staffId) ? await staffKeyHash(database, staffId) : null;
  if (stored === null) return false;
  const given = Buffer.from(keyDigest(key));
  const expected = Buffer.from(stored);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
