import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseTarget, ensureCdrPartitions, migrate, openDatabase } from "../src/index.js";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "../src/testing.js";

describe("chooseTarget", () => {
  it.each([
    [undefined, {}, { kind: "pglite", dataDir: ".billing-data" }],
    [undefined, { BILLING_DATA_DIR: "/x" }, { kind: "pglite", dataDir: "/x" }],
    [undefined, { DATABASE_URL: "postgres://a/b" }, { kind: "postgres", url: "postgres://a/b" }],
    ["postgres://c/d", { DATABASE_URL: "postgres://a/b" }, { kind: "postgres", url: "postgres://c/d" }],
  ])("option %s with env %o", (option, env, expected) => {
    expect(chooseTarget(option, env)).toEqual(expected);
  });
});

describe("embedded PGlite on disk", () => {
  it("keeps its data in the folder and migrates idempotently on every open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "billing-db-"));
    try {
      const first = await openDatabase({ kind: "pglite", dataDir: dir });
      await first.db.insertInto("kiosks").values({ kiosk_id: "K1", key_hash: "h", name: "hall" }).execute();
      await first.close();
      const second = await openDatabase({ kind: "pglite", dataDir: dir });
      const rows = await second.db.selectFrom("kiosks").select("kiosk_id").execute();
      expect(rows).toEqual([{ kiosk_id: "K1" }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(DATABASE_KINDS)("schema on %s", (kind) => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await scratchDatabase(kind);
  });
  afterAll(() => scratch?.drop());

  it("migrates again without change", async () => {
    await migrate(scratch.database.db as never);
    const tables = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.tables
      where table_schema = 'public' and table_name not like 'kysely%'`.execute(scratch.database.db);
    expect(tables.rows[0]?.n).toBe(15);
  });

  it("returns dates, money and int8 the same way on both drivers", async () => {
    const { rows } = await sql<{ d: string; m: string; b: number; t: Date }>`
      select '2026-09-01'::date as d, 1.50::numeric(14,2) as m, 5::int8 as b,
             '2026-09-01T00:00:00+08:00'::timestamptz as t`.execute(scratch.database.db);
    expect(rows[0]).toEqual({ d: "2026-09-01", m: "1.50", b: 5, t: new Date("2026-08-31T16:00:00Z") });
  });

  it("partitions CDRs by bill month, creating a month's partition once", async () => {
    const db = scratch.database.db;
    await ensureCdrPartitions(scratch.database, ["2026-09"]);
    await ensureCdrPartitions(scratch.database, ["2026-09"]);
    await db
      .insertInto("cdrs")
      .values({
        bill_month: "2026-09",
        record_id: "R1",
        msisdn: "13800000000",
        service: "data",
        direction: null,
        other_party: "",
        start_time: "2026-09-01T00:00:00+08:00",
        duration_s: 0,
        bytes_up: 1,
        bytes_down: 2,
        visited_area: "010",
        source_file: "cdr-x.csv",
        source_line: 2,
        run_id: "run-1",
      })
      .execute();
    const { rows } = await sql<{ t: string }>`select tableoid::regclass::text as t from cdrs`.execute(db);
    expect(rows).toEqual([{ t: "cdrs_2026_09" }]);
    await expect(
      sql`insert into cdrs (bill_month, record_id, msisdn, service, other_party, start_time, duration_s,
          bytes_up, bytes_down, visited_area, source_file, source_line, run_id)
          values ('2026-10', 'R2', '1', 'data', '', now(), 0, 0, 0, '', 'f', 1, 'r')`.execute(db),
    ).rejects.toThrow(/no partition/);
  });

  it("keeps the credit ledger append-only, with one credit per idempotency key and issue", async () => {
    const db = scratch.database.db;
    const credit = {
      credit_id: "CR-1",
      idempotency_key: "k1",
      issue_seq: 1,
      account_id: "A1",
      msisdn: "13800000000",
      bill_month: "2026-09",
      item_key: "V01",
      occurrence: 1,
      class: "overcharge",
      overcharge: "0.19",
      compensation: "0.19",
      refund: "0.38",
      owed_total: "0.38",
      settle_to: "next_bill" as const,
      run_id: "run-1",
      input_digests: JSON.stringify({ "cdr.csv": "abc" }),
      catalogue_digest: "cat",
    };
    await db.insertInto("credit_ledger").values(credit).execute();
    await expect(
      db
        .insertInto("credit_ledger")
        .values({ ...credit, credit_id: "CR-2" })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    await expect(db.updateTable("credit_ledger").set({ refund: "0.00" }).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom("credit_ledger").execute()).rejects.toThrow(/append-only/);
    await expect(sql`truncate credit_ledger`.execute(db)).rejects.toThrow(/append-only/);
    await expect(
      db
        .insertInto("credit_ledger")
        .values({ ...credit, credit_id: "CR-3", issue_seq: 2, refund: "0.39" })
        .execute(),
    ).rejects.toThrow(/check/i);
  });
});
