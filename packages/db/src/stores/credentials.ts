import type { BillingDatabase } from "../dialect.js";

/** Whether any plan period is stored for the msisdn. */
export async function hasPlanPeriod(database: BillingDatabase, msisdn: string): Promise<boolean> {
  const row = await database.db
    .selectFrom("subscriber_periods")
    .select("msisdn")
    .where("msisdn", "=", msisdn)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Sets (or replaces) a subscriber's service password hash. */
export async function storePasswordHash(
  database: BillingDatabase,
  msisdn: string,
  passwordHash: string,
): Promise<void> {
  await database.db
    .insertInto("service_credentials")
    .values({ msisdn, password_hash: passwordHash })
    .onConflict((oc) => oc.column("msisdn").doUpdateSet({ password_hash: passwordHash, updated_at: new Date() }))
    .execute();
}

export async function passwordHashOf(database: BillingDatabase, msisdn: string): Promise<string | null> {
  const row = await database.db
    .selectFrom("service_credentials")
    .select("password_hash")
    .where("msisdn", "=", msisdn)
    .executeTakeFirst();
  return row?.password_hash ?? null;
}

/** Registers a kiosk, or gives it a new key digest. */
export async function storeKiosk(database: BillingDatabase, kioskId: string, keyHash: string, name: string) {
  await database.db
    .insertInto("kiosks")
    .values({ kiosk_id: kioskId, key_hash: keyHash, name })
    .onConflict((oc) => oc.column("kiosk_id").doUpdateSet({ key_hash: keyHash, name }))
    .execute();
}

export async function kioskKeyHash(database: BillingDatabase, kioskId: string): Promise<string | null> {
  const row = await database.db
    .selectFrom("kiosks")
    .select("key_hash")
    .where("kiosk_id", "=", kioskId)
    .executeTakeFirst();
  return row?.key_hash ?? null;
}
