import { randomBytes } from "node:crypto";
import type { BillingDatabase } from "./dialect.js";
import { type DatabaseKind, openDatabase } from "./open.js";
import { adminStatement } from "./postgres.js";

/** Both databases every database test runs against. */
export const DATABASE_KINDS: readonly DatabaseKind[] = ["pglite", "postgres"];

/** The server tests create their databases on; trust auth on these machines. */
export function adminUrl(): string {
  return process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export interface ScratchDatabase {
  readonly database: BillingDatabase;
  /** The server URL of a PostgreSQL scratch database, for child processes; null for PGlite. */
  readonly url: string | null;
  drop(): Promise<void>;
}

/**
 * A fresh database of its own for one test suite, migrated (up to `upTo` when given): an in-memory
 * PGlite, or a new database on the PostgreSQL server that is dropped after.
 * An unreachable server fails the test loudly; it is never skipped.
 */
export async function scratchDatabase(kind: DatabaseKind, upTo?: string): Promise<ScratchDatabase> {
  if (kind === "pglite") {
    const database = await openDatabase({ kind: "pglite", dataDir: "memory://" }, upTo);
    return { database, url: null, drop: () => database.close() };
  }
  const name = `billing_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  try {
    await adminStatement(adminUrl(), `CREATE DATABASE ${name}`);
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${adminUrl()} (${(error as Error).message}); start it with: ` +
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    );
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString() }, upTo);
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      await adminStatement(adminUrl(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
