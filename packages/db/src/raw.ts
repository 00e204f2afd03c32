import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PoolClient } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { BillingDatabase } from "./open.js";

export type SqlValue = string | number | boolean | null | Date | readonly string[];

/**
 * SQL and COPY on one connection, inside one transaction: the bulk paths
 * kysely does not cover. The only code besides `openDatabase` that knows the
 * dialect: pg-copy-streams on the server, a blob through PGlite's virtual
 * `/dev/blob` on the embedded database.
 */
export interface RawSession {
  query<R = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** Appends rows to a table with COPY … (FORMAT text), given as COPY text (`copyRows`) or its UTF-8 bytes. */
  copy(table: string, columns: readonly string[], csv: string | Uint8Array): Promise<void>;
  /**
   * Appends rows with COPY … (FORMAT binary), given as the format's tuples
   * without its header and trailer: each an int16 count of fields, then each
   * field as an int32 byte length and its bytes (text in UTF-8). The server
   * takes a field as it is, where COPY text had it scan every byte for escapes:
   * storing a 2M-CDR run's subscriber-month rows cost it a quarter less CPU.
   */
  copyBinary(table: string, columns: readonly string[], tuples: Uint8Array): Promise<void>;
}

/** The binary COPY format's signature, flags and header extension length; and its trailer, a field count of -1. */
const BINARY_HEADER = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

export async function inTransaction<T>(
  database: BillingDatabase,
  work: (session: RawSession) => Promise<T>,
): Promise<T> {
  if (database.pool) {
    const client = await database.pool.connect();
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
  }
  const pglite = database.pglite;
  if (!pglite) throw new Error("database is neither PostgreSQL nor PGlite");
  return pglite.transaction(async (tx) =>
    work({
      async query<R>(text: string, params: readonly SqlValue[] = []) {
        return (await tx.query<R>(text, params as unknown[])).rows;
      },
      async copy(table, columns, csv) {
        if (csv.length === 0) return;
        const blob = new Blob([csv]);
        await tx.query(`COPY ${table} (${columns.join(", ")}) FROM '/dev/blob' WITH (FORMAT text)`, [], { blob });
      },
      async copyBinary(table, columns, tuples) {
        if (tuples.length === 0) return;
        const blob = new Blob([BINARY_HEADER, tuples, BINARY_TRAILER]);
        await tx.query(`COPY ${table} (${columns.join(", ")}) FROM '/dev/blob' WITH (FORMAT binary)`, [], { blob });
      },
    }),
  ) as Promise<T>;
}

function pgSession(client: PoolClient): RawSession {
  return {
    async query<R>(text: string, params: readonly SqlValue[] = []) {
      return (await client.query(text, params as unknown[])).rows as R[];
    },
    async copy(table, columns, csv) {
      if (csv.length === 0) return;
      const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT text)`));
      await pipeline(Readable.from([csv]), stream);
    },
    async copyBinary(table, columns, tuples) {
      if (tuples.length === 0) return;
      const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT binary)`));
      await pipeline(Readable.from([BINARY_HEADER, tuples, BINARY_TRAILER]), stream);
    },
  };
}
