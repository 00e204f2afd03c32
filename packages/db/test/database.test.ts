import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseTarget, copyRows, migrate, openDatabase } from "../src/index.js";
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

describe("embedded PGlite's memory", () => {
  // Its shared buffers are in the run's own process, under the run's 1 GB bound.
  it("keeps 32 MB of shared buffers, not PGlite's 128 MB", async () => {
    const database = await openDatabase({ kind: "pglite", dataDir: "memory://" });
    try {
      const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(database.db);
      expect(rows).toEqual([{ shared_buffers: "32MB" }]);
    } finally {
      await database.close();
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
    expect(tables.rows[0]?.n).toBe(16);
  });

  it("compresses subscriber-month rows with lz4 on the server, pglz on PGlite (built without lz4)", async () => {
    const { rows } = await sql<{ name: string; method: string }>`
      select attname as name, attcompression as method from pg_attribute
      where attrelid in ('usage_months'::regclass, 'bill_months'::regclass) and attname in ('records', 'lines')
      order by attname`.execute(scratch.database.db);
    const method = kind === "postgres" ? "l" : "";
    expect(rows).toEqual([
      { name: "lines", method },
      { name: "records", method },
    ]);
  });

  // A run merging a stored month writes it only if its xmin is the one it read (reconcile-months.ts).
  it("gives a stored month a new xmin when it is replaced, even by the same text, and not when it is read or locked", async () => {
    const version = async () =>
      (
        await sql<{ v: string }>`select xmin::text as v from usage_months
          where bill_month = '2031-01' and msisdn = '13800000000'`.execute(scratch.database.db)
      ).rows[0]?.v;
    await sql`insert into usage_months values ('2031-01', '13800000000', '[]')`.execute(scratch.database.db);
    const first = await version();
    expect(first).toMatch(/^\d+$/);
    await scratch.database.transaction(async (session) => {
      await session.query("SELECT records FROM usage_months WHERE bill_month = '2031-01' FOR UPDATE");
    });
    expect(await version()).toBe(first);
    await scratch.database.transaction(async (session) => {
      await session.query("DELETE FROM usage_months WHERE bill_month = '2031-01'");
      await session.copy(
        "usage_months",
        ["bill_month", "msisdn", "records"],
        copyRows([["2031-01", "13800000000", "[]"]]),
      );
    });
    expect(await version()).not.toBe(first);
    await sql`delete from usage_months where bill_month = '2031-01'`.execute(scratch.database.db);
  });

  it("COPYs any text back as it was: tabs, line ends, backslashes, quotes, JSON, empty and NULL", async () => {
    const values = ["a\tb\nc\r\\d", '[{"k":"v,\\"w\\""}]', "", null, "中文 \\N", "\\\\"];
    await scratch.database.transaction(async (session) => {
      await session.query("CREATE TEMP TABLE copy_probe (n int, v text) ON COMMIT DROP");
      await session.copy("copy_probe", ["n", "v"], copyRows(values.map((v, i) => [i, v])));
      const rows = await session.query<{ v: string | null }>("SELECT v FROM copy_probe ORDER BY n");
      expect(rows.map((r) => r.v)).toEqual(values);
    });
  });

  it("COPYs binary tuples of text back as they were, the same texts", async () => {
    const values = ["a\tb\nc\r\\d", '[{"k":"v,\\"w\\""}]', "", "中文 \\N", "😀"];
    const field = (text: string) => {
      const bytes = Buffer.from(text, "utf8");
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes.length);
      return [length, bytes];
    };
    const tuples = Buffer.concat(
      values.flatMap((v, i) => {
        const count = Buffer.alloc(2);
        count.writeInt16BE(2);
        return [count, ...field(String(i)), ...field(v)];
      }),
    );
    await scratch.database.transaction(async (session) => {
      await session.query("CREATE TEMP TABLE copy_probe (n text, v text) ON COMMIT DROP");
      await session.copyBinary("copy_probe", ["n", "v"], tuples);
      await session.copyBinary("copy_probe", ["n", "v"], new Uint8Array(0));
      const rows = await session.query<{ v: string }>("SELECT v FROM copy_probe ORDER BY n");
      expect(rows.map((r) => r.v)).toEqual(values);
    });
  });

  it("returns dates, money and int8 the same way on both drivers", async () => {
    const { rows } = await sql<{ d: string; m: string; b: number; t: Date }>`
      select '2026-09-01'::date as d, 1.50::numeric(14,2) as m, 5::int8 as b,
             '2026-09-01T00:00:00+08:00'::timestamptz as t`.execute(scratch.database.db);
    expect(rows[0]).toEqual({ d: "2026-09-01", m: "1.50", b: 5, t: new Date("2026-08-31T16:00:00Z") });
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
    await expect(sql`truncate credit_ledger cascade`.execute(db)).rejects.toThrow(/append-only/);
    // Which run delivered a credit is kept as the ledger is: a delivery forgotten would be a credit paid twice.
    const [first] = await db.selectFrom("credit_ledger").select("credit_id").limit(1).execute();
    await db
      .insertInto("credit_deliveries")
      .values({ credit_id: first?.credit_id as string, run_id: "r", shard: "1/1" })
      .execute();
    await expect(db.deleteFrom("credit_deliveries").execute()).rejects.toThrow(/append-only/);
    await expect(db.updateTable("credit_deliveries").set({ run_id: "x" }).execute()).rejects.toThrow(/append-only/);
    await expect(
      db
        .insertInto("credit_ledger")
        .values({ ...credit, credit_id: "CR-3", issue_seq: 2, refund: "0.39" })
        .execute(),
    ).rejects.toThrow(/check/i);
  });
});

describe.each(DATABASE_KINDS)("the upgrade to subscriber-month rows on %s", (kind) => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await scratchDatabase(kind, "0003_lean_nightly_run");
  });
  afterAll(() => scratch?.drop());

  it("carries every stored CDR and bill line over, in stored order, with where each was read", async () => {
    const db = scratch.database.db;
    await sql`CREATE TABLE cdrs_2026_09 PARTITION OF cdrs FOR VALUES IN ('2026-09')`.execute(db);
    await sql`INSERT INTO cdrs (bill_month, record_id, msisdn, service, direction, other_party, start_time,
        duration_s, bytes_up, bytes_down, visited_area, source_file, source_line, run_id) VALUES
      ('2026-09', 'V2', '13800000000', 'voice', 'out', '+8613900000000', '2026-09-02T08:00:00+08:00', 61, 0, 0, '010', 'cdr-a.csv', 3, 'r1'),
      ('2026-09', 'D1', '13800000000', 'data', NULL, '', '2026-09-01T08:00:00.5+08:00', 0, 10, 20, '0571', 'cdr-a.csv', 2, 'r1'),
      ('2026-09', 'S1', '13800000001', 'sms', 'in', '10086', '2026-09-01T08:00:00+08:00', 0, 0, 0, '010', 'cdr-b.csv', 9, 'r2')`.execute(
      db,
    );
    await sql`INSERT INTO bill_lines (bill_month, msisdn, item_key, occurrence, amount, source_file, source_line) VALUES
      ('2026-09', '13800000000', 'V2', 1, 0.57, 'bill.csv', 4),
      ('2026-09', '13800000000', 'FEE:P1', 1, 58.00, 'bill.csv', 2),
      ('2026-09', '13800000000', 'V2', 2, 0.57, 'bill.csv', 5)`.execute(db);
    await migrate(db as never);
    const usage = await sql<{ msisdn: string; records: string }>`
      SELECT msisdn, records FROM usage_months ORDER BY msisdn`.execute(db);
    expect(usage.rows.map((r) => [r.msisdn, JSON.parse(r.records)])).toEqual([
      [
        "13800000000",
        [
          ["D1", "data", null, "", Date.parse("2026-09-01T00:00:00.5Z"), 0, 10, 20, "0571", "cdr-a.csv", 2, "r1"],
          [
            "V2",
            "voice",
            "out",
            "+8613900000000",
            Date.parse("2026-09-02T00:00:00Z"),
            61,
            0,
            0,
            "010",
            "cdr-a.csv",
            3,
            "r1",
          ],
        ],
      ],
      [
        "13800000001",
        [["S1", "sms", "in", "10086", Date.parse("2026-09-01T00:00:00Z"), 0, 0, 0, "010", "cdr-b.csv", 9, "r2"]],
      ],
    ]);
    const bills = await sql<{ lines: string }>`SELECT lines FROM bill_months`.execute(db);
    expect(bills.rows.map((r) => JSON.parse(r.lines))).toEqual([
      [
        ["FEE:P1", 1, 5800, "bill.csv", 2],
        ["V2", 1, 57, "bill.csv", 4],
        ["V2", 2, 57, "bill.csv", 5],
      ],
    ]);
    const gone = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM information_schema.tables
      WHERE table_name IN ('cdrs', 'bill_lines', 'cdr_staging', 'bill_staging')`.execute(db);
    expect(gone.rows[0]?.n).toBe(0);
  });
});
