import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import {
  BINARY_HEADER,
  BINARY_TRAILER,
  type BillingDatabase,
  identity,
  OID,
  type RawSession,
  toNumber,
} from "./dialect.js";
import type { Schema } from "./schema.js";

/** A PostgreSQL server through a pool of `pg` connections: parallel writers, out of process. */
export function openPostgres(url: string): BillingDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") => {
        if (oid === OID.int8) return toNumber;
        if (oid === OID.numeric || oid === OID.date) return identity;
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server ends (restart, admin command) is dropped by
  // the pool and the next query opens another; unhandled, it would end the process.
  pool.on("error", () => {});
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    capabilities: { inProcess: false, parallelWriters: true },
    dialect: "postgres",
    label: `postgres ${redact(url)}`,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(pgSession(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => db.destroy(),
  };
}

function pgSession(client: pg.PoolClient): RawSession {
  const copyIn = async (statement: string, chunks: readonly (string | Uint8Array)[]) => {
    await pipeline(Readable.from(chunks), client.query(copyFrom(statement)));
  };
  return {
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, params as unknown[])).rows as R[];
    },
    async copy(table, columns, csv) {
      if (csv.length === 0) return;
      await copyIn(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT text)`, [csv]);
    },
    async copyBinary(table, columns, tuples) {
      if (tuples.length === 0) return;
      await copyIn(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT binary)`, [
        BINARY_HEADER,
        tuples,
        BINARY_TRAILER,
      ]);
    },
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/** One statement on a server as its administrator (tests create and drop their databases this way). */
export async function adminStatement(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    await client.query(statement);
  } finally {
    await client.end().catch(() => {});
  }
}
