import type { BillingDatabase } from "./dialect.js";
import { migrate } from "./migrations.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

/** Where the data lives: a PostgreSQL server, or an embedded PGlite folder (`memory://` for none). */
export type DatabaseTarget =
  | { readonly kind: "postgres"; readonly url: string }
  | { readonly kind: "pglite"; readonly dataDir: string };

export type DatabaseKind = DatabaseTarget["kind"];

export const DEFAULT_DATA_DIR = ".billing-data";

/**
 * The one place that chooses the dialect: a URL (from `--database`, else
 * `DATABASE_URL`) means a PostgreSQL server; otherwise embedded PGlite in
 * `BILLING_DATA_DIR` (default `.billing-data/` in the working directory).
 */
export function chooseTarget(option: string | undefined, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  const url = option ?? env.DATABASE_URL;
  if (url) return { kind: "postgres", url };
  return { kind: "pglite", dataDir: env.BILLING_DATA_DIR || DEFAULT_DATA_DIR };
}

/** Opens the database and brings its schema up to date (or up to a migration, for tests of an upgrade). */
export async function openDatabase(target: DatabaseTarget, upTo?: string): Promise<BillingDatabase> {
  const database = target.kind === "postgres" ? openPostgres(target.url) : await openPglite(target.dataDir);
  try {
    await migrate(database.db as never, upTo);
    return database;
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
}
