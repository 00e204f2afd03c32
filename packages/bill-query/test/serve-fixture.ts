import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BillingDatabase, DatabaseKind } from "@billing/db";
import { type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { byStartThenId, parseStoredRecords, storedRecordsText } from "@billing/formats";
import { reconcile } from "@billing/nightly";
import type { FastifyInstance } from "fastify";
import { buildServer, registerKiosk, type ServerOptions, type SmsSender, setServicePassword } from "../src/index.js";

export const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
/** The worked example's subscriber with usage, and one with only a fee. */
export const ALICE = { msisdn: "13805710001", password: "123456" };
export const BOB = { msisdn: "13905710002", password: "654321" };
/** Joined on 2026-09-11. */
export const CAROL = { msisdn: "13500100003", password: "246810" };
/** Mid-October 2026 in UTC+8: September is last month, 2026-05 the oldest queryable. */
export const OCTOBER_15 = Date.parse("2026-10-15T12:00:00+08:00");

export interface Served {
  readonly base: string;
  readonly app: FastifyInstance;
  readonly scratch: ScratchDatabase;
  readonly kiosks: Readonly<Record<string, string>>;
  /** Every SMS the service sent, newest last. */
  readonly sms: { msisdn: string; text: string }[];
  clock: { now: number };
  close(): Promise<void>;
}

/**
 * The service on a real port over a scratch database holding the worked
 * example's nightly run, with two service passwords and two kiosks.
 */
export async function serveExample(kind: DatabaseKind, options: Partial<ServerOptions> = {}): Promise<Served> {
  const scratch = await scratchDatabase(kind);
  const out = mkdtempSync(join(tmpdir(), "billing-serve-"));
  await reconcile({ inDir: EXAMPLE, outDir: out, database: scratch.database, runId: "night" });
  rmSync(out, { recursive: true, force: true });
  await setServicePassword(scratch.database, ALICE.msisdn, ALICE.password);
  await setServicePassword(scratch.database, BOB.msisdn, BOB.password);
  await setServicePassword(scratch.database, CAROL.msisdn, CAROL.password);
  const kiosks = {
    K01: await registerKiosk(scratch.database, "K01", "Hangzhou Wulin hall"),
    K02: await registerKiosk(scratch.database, "K02", "Hangzhou West Lake hall"),
  };
  const clock = { now: OCTOBER_15 };
  const sms: { msisdn: string; text: string }[] = [];
  const sender: SmsSender = {
    async send(msisdn, text) {
      sms.push({ msisdn, text });
    },
  };
  const app = await buildServer({
    database: scratch.database,
    now: () => clock.now,
    sms: sender,
    logger: false,
    ...options,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    app,
    scratch,
    kiosks,
    sms,
    clock,
    async close() {
      await app.close();
      await scratch.drop();
    },
  };
}

export interface Call {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a response body, checked by each test's expectations
  readonly body: any;
  readonly text: string;
  readonly headers: Headers;
}

/** One HTTP request to the service, JSON in and (when it is JSON) out. */
export async function call(
  served: Served,
  method: string,
  path: string,
  options: { token?: string; kiosk?: string; kioskKey?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.kiosk) {
    headers["x-kiosk-id"] = options.kiosk;
    headers["x-kiosk-key"] = options.kioskKey ?? served.kiosks[options.kiosk] ?? "no-such-key";
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(served.base + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = null;
  if ((response.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
  return { status: response.status, body: parsed, text, headers: response.headers };
}

export async function signIn(
  served: Served,
  who: { msisdn: string; password: string },
  kiosk?: string,
): Promise<string> {
  const r = await call(served, "POST", "/v1/sessions", { kiosk, body: { msisdn: who.msisdn, password: who.password } });
  if (r.status !== 201) throw new Error(`sign-in failed: ${r.status} ${r.text}`);
  return r.body.token as string;
}

/**
 * Adds outgoing SMS to a stored subscriber-month the way a run delivering
 * them stores them: into its one row of records, kept in (start, record_id) order.
 */
export async function storeSms(
  database: BillingDatabase,
  billMonth: string,
  msisdn: string,
  visitedArea: string,
  sms: readonly { readonly recordId: string; readonly at: string; readonly line: number }[],
): Promise<void> {
  const db = database.db;
  const row = await db
    .selectFrom("usage_months")
    .select("records")
    .where("bill_month", "=", billMonth)
    .where("msisdn", "=", msisdn)
    .executeTakeFirst();
  const records = parseStoredRecords(row?.records ?? "[]");
  for (const s of sms) {
    records.push([
      s.recordId,
      "sms",
      "out",
      "13905710002",
      Date.parse(s.at),
      0,
      0,
      0,
      visitedArea,
      "late.csv",
      s.line,
      "late",
    ]);
  }
  records.sort(byStartThenId);
  const json = storedRecordsText(records);
  await db
    .insertInto("usage_months")
    .values({ bill_month: billMonth, msisdn, records: json })
    .onConflict((oc) => oc.columns(["bill_month", "msisdn"]).doUpdateSet({ records: json }))
    .execute();
}
