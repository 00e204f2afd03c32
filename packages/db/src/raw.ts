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
  /** Appends rows to a table with COPY … (FORMAT csv), given as COPY CSV text (`copyCsv`) or its UTF-8 bytes. */
  copy(table: string, columns: readonly string[], csv: string | Uint8Array): Promise<void>;
}

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
        await tx.query(`COPY ${table} (${columns.join(", ")}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob });
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
      const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT csv)`));
      await pipeline(Readable.from([csv]), stream);
    },
  };
}

/** Rows as COPY CSV: NULL unquoted and empty, an empty string quoted, quotes doubled. */
export function copyCsv(rows: readonly (readonly (string | number | null)[])[]): string {
  let text = "";
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) text += ",";
      const value = row[i];
      if (value === null || value === undefined) continue;
      text += typeof value === "number" ? String(value) : copyText(value);
    }
    text += "\n";
  }
  return text;
}

/** A string as one COPY CSV field: quoted when empty or when it holds a quote, comma, line end or backslash. */
function copyText(s: string): string {
  return s === "" || /[",\r\n\\]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
