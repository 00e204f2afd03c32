import type { Kysely } from "kysely";
import type { Schema } from "./schema.js";

export type SqlValue = string | number | boolean | null | Date | readonly string[];

/**
 * SQL and COPY on one connection, inside one transaction: the bulk paths
 * kysely does not cover. Each dialect implements it with its driver.
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

/** What policy may ask of a database, instead of which one it is. */
export interface Capabilities {
  /** The database works on this process's own thread (embedded): work it is given is not done alongside the caller's. */
  readonly inProcess: boolean;
  /** Several connections can write at once, so concurrent transactions overlap. */
  readonly parallelWriters: boolean;
}

/** An open database: kysely for queries and a raw session for COPY, behind one interface for both dialects. */
export interface BillingDatabase {
  readonly db: Kysely<Schema>;
  readonly capabilities: Capabilities;
  /** The dialect's name, for display (`/v1/ready`, logs); policy asks `capabilities`. */
  readonly dialect: "pglite" | "postgres";
  /** A description without secrets, for logs and summaries. */
  readonly label: string;
  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (session: RawSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The binary COPY format's signature, flags and header extension length; and its trailer, a field count of -1. */
export const BINARY_HEADER = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

// The same parsers on both drivers, so every query returns the same values
// in any machine time zone: dates as `YYYY-MM-DD`, money as exact strings,
// int8 as numbers (counts and byte volumes stay far below 2^53).
export const OID = { int8: 20, numeric: 1700, date: 1082 } as const;
export const identity = (value: string) => value;
export const toNumber = (value: string) => Number(value);
