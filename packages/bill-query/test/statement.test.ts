import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { reconcile } from "@billing/nightly";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CursorError, loadStatement, pageOf } from "../src/index.js";
import { SEPTEMBER_RECORD_IDS, SEPTEMBER_V02 } from "./example-answers.js";
import { storeSms } from "./serve-fixture.js";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));

describe.each(DATABASE_KINDS)("a month's statement from the stored inputs, on %s", (kind) => {
  let scratch: ScratchDatabase;
  let out: string;
  beforeAll(async () => {
    scratch = await scratchDatabase(kind);
    out = mkdtempSync(join(tmpdir(), "billing-statement-"));
    await reconcile({ inDir: EXAMPLE, outDir: out, database: scratch.database, runId: "night" });
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(out, { recursive: true, force: true });
  });

  it("summarises fee, subscriptions, usage by service with allowances, credits and total", async () => {
    const statement = await loadStatement(scratch.database, "13805710001", "2026-09");
    expect(statement?.summary).toEqual({
      month: "2026-09",
      monthlyFee: "58.00",
      fees: [
        {
          itemKey: "FEE:GT58",
          name: "全球通58元套餐",
          charge: "58.00",
          billed: "58.00",
          ruleZh: expect.stringContaining("全球通58元套餐"),
        },
      ],
      subscriptions: [
        {
          productId: "NEWS3",
          name: "手机报",
          provider: "浙江手机报",
          charge: "0.00",
          billed: "3.00",
          rule: "NEWS3 (Mobile news) monthly 3.00, first month free = 0.00",
          ruleZh: "手机报（NEWS3，浙江手机报代收）包月3.00元，首月免费 = 0.00元",
        },
        {
          productId: "RING5",
          name: "彩铃",
          provider: "咪咕音乐",
          charge: "5.00",
          billed: "5.00",
          rule: "RING5 (Ring-back tone) monthly 5.00 = 5.00",
          ruleZh: "彩铃（RING5，咪咕音乐代收）包月5.00元 = 5.00元",
        },
      ],
      subtotals: {
        fees: { charge: "58.00", billed: "58.00" },
        valueAdded: { charge: "5.00", billed: "8.00" },
      },
      usage: {
        voice: {
          records: 10,
          charge: "2.84",
          billed: "2.87",
          allowance: { included: 3, used: 3, left: 0, unit: "min" },
          allowanceZh: "已用 3分钟，剩余 0分钟",
        },
        sms: {
          records: 3,
          charge: "1.10",
          billed: "1.10",
          allowance: { included: 1, used: 1, left: 0, unit: "SMS" },
          allowanceZh: "已用 1条，剩余 0条",
        },
        data: {
          records: 4,
          charge: "1.00",
          billed: "0.87",
          allowance: { included: 1024, used: 1024, left: 0, unit: "KB" },
          allowanceZh: "已用 1.00MB，剩余 0KB",
        },
      },
      credits: "6.88",
      creditLines: [
        { itemKey: "D04", class: "overcharge", refund: "0.32" },
        { itemKey: "V01", class: "overcharge", refund: "0.38" },
        { itemKey: "V04", class: "overcharge", refund: "0.18" },
        { itemKey: "VAS:NEWS3", class: "overcharge", refund: "6.00" },
      ],
      total: "67.94",
      billed: "70.84",
    });
  });

  it("lists every record in start-time order with category, quantity, allowance, charge and rule", async () => {
    const statement = await loadStatement(scratch.database, "13805710001", "2026-09");
    const records = statement?.records ?? [];
    expect(records.map((r) => r.recordId)).toEqual(SEPTEMBER_RECORD_IDS);
    const byId = new Map(records.map((r) => [r.recordId, r]));
    expect(byId.get("V02")).toEqual(SEPTEMBER_V02);
    expect(["V01", "V05", "V07", "V08", "V09", "V10", "S03", "D01"].map((id) => byId.get(id)?.category)).toEqual([
      "local",
      "group",
      "international",
      "roaming",
      "special",
      null,
      "international",
      "local",
    ]);
    expect(byId.get("V01")).toMatchObject({ allowanceUsed: "3 min", charge: "0.00" });
    expect(byId.get("V10")).toMatchObject({
      charge: null,
      rule: "cannot be rated: mobile prefix 1371111 is not in the number plan",
      ruleZh: "无法计费：对方号码无法识别",
    });
    expect(byId.get("D03")).toMatchObject({ quantity: { value: 3072, unit: "KB" }, charge: "0.87" });
  });

  it("pages by cursor, filters by service, and refuses a cursor it did not give out", async () => {
    const records = (await loadStatement(scratch.database, "13805710001", "2026-09"))?.records ?? [];
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page = pageOf(records, { after, limit: 5 });
      seen.push(...page.records.map((r) => r.recordId));
      after = page.next;
    } while (after);
    expect(seen).toEqual(records.map((r) => r.recordId));
    expect(pageOf(records, { service: "sms", limit: 10 }).records.map((r) => r.recordId)).toEqual([
      "S01",
      "S02",
      "S03",
    ]);
    expect(() => pageOf(records, { after: "bm9wZQ", limit: 5 })).toThrow(CursorError);
  });

  it("a cursor stays put while new records arrive: no repeats, new later records at the end", async () => {
    const first = pageOf((await loadStatement(scratch.database, "13805710001", "2026-09"))?.records ?? [], {
      limit: 5,
    });
    await storeSms(scratch.database, "2026-09", "13805710001", "0571", [
      { recordId: "N-EARLY", at: "2026-09-01T08:00:00+08:00", line: 2 },
      { recordId: "N-LATE", at: "2026-09-29T08:00:00+08:00", line: 3 },
    ]);
    const records = (await loadStatement(scratch.database, "13805710001", "2026-09"))?.records ?? [];
    const rest: string[] = [];
    let after = first.next;
    while (after) {
      const page = pageOf(records, { after, limit: 5 });
      rest.push(...page.records.map((r) => r.recordId));
      after = page.next;
    }
    expect(first.records.map((r) => r.recordId)).toEqual(["V01", "V02", "V03", "V04", "V05"]);
    expect(rest[0]).toBe("V06");
    expect(rest).not.toContain("N-EARLY");
    expect(rest.at(-1)).toBe("N-LATE");
  });

  it("shows a second delivery of one message as such, never charged, and 实收 from the bill", async () => {
    await storeSms(scratch.database, "2026-07", "13805710001", "0571", [
      { recordId: "J1", at: "2026-07-02T09:00:00+08:00", line: 2 },
      { recordId: "J1-again", at: "2026-07-02T09:00:00+08:00", line: 3 },
    ]);
    const records = (await loadStatement(scratch.database, "13805710001", "2026-07"))?.records ?? [];
    const again = records.find((r) => r.recordId === "J1-again");
    expect(again).toMatchObject({ duplicateOf: "J1", charge: "0.00", billed: null, serviceZh: "短信" });
    expect(again?.ruleZh).toContain("重复话单");
    expect(records.find((r) => r.recordId === "J1")?.duplicateOf).toBeNull();
  });

  it("has nothing for a month or msisdn without stored data", async () => {
    // 13500100003 was activated on 2026-09-11; an active subscriber's quiet month still has its fee.
    expect(await loadStatement(scratch.database, "13500100003", "2026-08")).toBeNull();
    expect((await loadStatement(scratch.database, "13805710001", "2026-03"))?.summary.total).toBe("58.00");
    expect(await loadStatement(scratch.database, "13999999999", "2026-09")).toBeNull();
  });
});

describe.each(DATABASE_KINDS)("a statement before any run, on %s", (kind) => {
  it("is no bill, not an error, while no catalogue is stored", async () => {
    const scratch = await scratchDatabase(kind);
    try {
      expect(await loadStatement(scratch.database, "13805710001", "2026-09")).toBeNull();
    } finally {
      await scratch.drop();
    }
  });
});
