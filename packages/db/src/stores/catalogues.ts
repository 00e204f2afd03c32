import type { BillingDatabase } from "../dialect.js";

/** Stores a catalogue's text by its digest, once. */
export async function storeCatalogue(database: BillingDatabase, digest: string, text: string): Promise<void> {
  await database.db
    .insertInto("catalogues")
    .values({ digest, document: text })
    .onConflict((oc) => oc.column("digest").doNothing())
    .execute();
}

/** The catalogue stored last, or undefined before the first run. */
export function latestCatalogue(database: BillingDatabase): Promise<{ digest: string; document: string } | undefined> {
  return database.db
    .selectFrom("catalogues")
    .select(["digest", "document"])
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
}
