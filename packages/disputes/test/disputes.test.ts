import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { creditsOfMonth, disputeCounts, listDisputes } from "@billing/db";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { reconcile } from "@billing/nightly";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Actor,
  answerDispute,
  casesOf,
  DisputeError,
  openDispute,
  registerStaff,
  showDispute,
} from "../src/index.js";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
const ALICE = "13805710001";
const CAROL = "13500100003";
const STAFF: Actor = { channel: "staff", staffId: "S01" };
const HOUR = 3_600_000;
/** 2026-10-15 12:00 in UTC+8. */
const T0 = Date.parse("2026-10-15T12:00:00+08:00");

const refundOf = async (scratch: ScratchDatabase, msisdn: string, item: string) =>
  (await creditsOfMonth(scratch.database, msisdn, "2026-09"))
    .filter((c) => c.itemKey === item)
    .reduce((n, c) => n + c.refundCents, 0);

async function nightly(scratch: ScratchDatabase, inDir: string, runId: string) {
  const out = mkdtempSync(join(tmpdir(), "billing-disputes-out-"));
  try {
    return await reconcile({ inDir, outDir: out, database: scratch.database, runId });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The worked example with Carol's RING5 order confirmed: its nightly run finds the line right. */
function confirmedCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "billing-disputes-in-"));
  cpSync(EXAMPLE, dir, { recursive: true });
  const path = join(dir, "subscriptions.csv");
  writeFileSync(
    path,
    readFileSync(path, "utf8").replace(
      "13500100003,RING5,2026-09-12T12:00:00+08:00,,",
      "13500100003,RING5,2026-09-12T12:00:00+08:00,2026-09-12T12:03:00+08:00,",
    ),
  );
  return dir;
}

describe.each(DATABASE_KINDS)("disputes on %s", (kind) => {
  let scratch: ScratchDatabase;
  let confirmed: string;

  beforeAll(async () => {
    scratch = await scratchDatabase(kind);
    confirmed = confirmedCopy();
    await nightly(scratch, confirmed, "night-1");
    await registerStaff(scratch.database, "S01", "Wang");
  });
  afterAll(async () => {
    await scratch.drop();
    rmSync(confirmed, { recursive: true, force: true });
  });

  it("refunds a disputed value-added line at once, and a later run that finds it wrong pays nothing more", async () => {
    expect(await refundOf(scratch, CAROL, "VAS:RING5")).toBe(0);
    const opened = await openDispute(scratch.database, {
      msisdn: CAROL,
      billMonth: "2026-09",
      itemKey: "VAS:RING5",
      reason: "never_ordered",
      actor: STAFF,
      nowMs: T0,
    });
    expect(opened.created).toBe(true);
    expect(opened.case.caseId).toMatch(/^TS20261015-\d{6}$/);
    expect(opened.case.dueMs).toBe(T0 + 48 * HOUR);
    expect(opened.refunds.map((c) => [c.class, c.refundCents])).toEqual([["vas_dispute", 1000]]);
    // The real order was never confirmed: the nightly run finds the line wrong, on the same key.
    await nightly(scratch, EXAMPLE, "night-2");
    expect(await refundOf(scratch, CAROL, "VAS:RING5")).toBe(1000);
    // error_found: the replay shows a refund owed, all of it issued already.
    const answered = await answerDispute(scratch.database, {
      caseId: opened.case.caseId,
      outcome: "error_found",
      staffId: "S01",
      nowMs: T0 + HOUR,
    });
    expect(answered.issued).toEqual([]);
    expect(answered.case.answer?.creditIds).toEqual(opened.refunds.map((c) => c.creditId));
    expect(answered.case.answer?.late).toBe(false);
    expect(await refundOf(scratch, CAROL, "VAS:RING5")).toBe(1000);
  });

  it("a run first, then the dispute: 2 × billed once in all; a line found right stays refunded, over-credited", async () => {
    // Alice's NEWS3 is free in its first month: the nightly run refunded 2 × 3.00 already.
    expect(await refundOf(scratch, ALICE, "VAS:NEWS3")).toBe(600);
    const news = await openDispute(scratch.database, {
      msisdn: ALICE,
      billMonth: "2026-09",
      itemKey: "VAS:NEWS3",
      reason: "never_ordered",
      actor: STAFF,
      nowMs: T0,
    });
    expect(news.refunds).toEqual([]);
    expect(await refundOf(scratch, ALICE, "VAS:NEWS3")).toBe(600);
    // RING5 is charged as published: refunded first anyway, and the next run claws nothing back.
    const ring = await openDispute(scratch.database, {
      msisdn: ALICE,
      billMonth: "2026-09",
      itemKey: "VAS:RING5",
      reason: "never_ordered",
      words: "我没有订过彩铃",
      actor: STAFF,
      nowMs: T0,
    });
    expect(ring.refunds.map((c) => c.refundCents)).toEqual([1000]);
    const summary = await nightly(scratch, EXAMPLE, "night-3");
    expect(summary.credits.issued).toBe(0);
    expect(summary.credits.over_credited).toContainEqual(
      expect.objectContaining({ msisdn: ALICE, item_key: "VAS:RING5", owed: "0.00", issued: "10.00" }),
    );
    expect(await refundOf(scratch, ALICE, "VAS:RING5")).toBe(1000);
    // The replay shows the charge as published: error_found is refused, no_error carries the rule in Chinese.
    await expect(
      answerDispute(scratch.database, { caseId: ring.case.caseId, outcome: "error_found", staffId: "S01", nowMs: T0 }),
    ).rejects.toMatchObject({ code: "no_refund_owed" });
    const noError = await answerDispute(scratch.database, {
      caseId: ring.case.caseId,
      outcome: "no_error",
      staffId: "S01",
      nowMs: T0 + 50 * HOUR,
    });
    expect(noError.case.answer?.explanationZh).toMatch(/彩铃|RING5/);
    expect(noError.case.answer?.explanationZh).toContain("未发现多收");
    expect(noError.case.answer?.late).toBe(true);
    expect(noError.case.answer?.replaySha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(
      answerDispute(scratch.database, { caseId: ring.case.caseId, outcome: "withdrawn", staffId: "S01", nowMs: T0 }),
    ).rejects.toMatchObject({ code: "already_answered" });
    // no_error is refused where the replay shows a refund owed.
    await expect(
      answerDispute(scratch.database, { caseId: news.case.caseId, outcome: "no_error", staffId: "S01", nowMs: T0 }),
    ).rejects.toMatchObject({ code: "refund_owed" });
  });

  it("opening the same item again returns the open case; concurrent openings make one case", async () => {
    const open = () =>
      openDispute(scratch.database, {
        msisdn: ALICE,
        billMonth: "2026-09",
        itemKey: "FEE:GT58",
        reason: "wrong_rate",
        actor: { channel: "web" },
        nowMs: T0,
      });
    const all = await Promise.all([open(), open(), open(), open(), open()]);
    expect(new Set(all.map((o) => o.case.caseId)).size).toBe(1);
    expect(all.filter((o) => o.created)).toHaveLength(1);
    const again = await open();
    expect(again).toMatchObject({ created: false, case: { caseId: all[0]?.case.caseId } });
    const withdrawn = await answerDispute(scratch.database, {
      caseId: again.case.caseId,
      outcome: "withdrawn",
      staffId: "S01",
      nowMs: T0,
    });
    expect(withdrawn.case.answer?.explanationZh).toBeNull();
    // Answered, the item may be questioned again: a new case.
    const reopened = await open();
    expect(reopened.created).toBe(true);
    expect(reopened.case.caseId).not.toBe(again.case.caseId);
  });

  it("refuses an item the month does not hold, a reason not on the list, words past 500 characters", async () => {
    const base = { msisdn: ALICE, billMonth: "2026-09", actor: STAFF, nowMs: T0 };
    await expect(
      openDispute(scratch.database, { ...base, itemKey: "VAS:NOPE", reason: "other" }),
    ).rejects.toMatchObject({ code: "unknown_item" });
    await expect(openDispute(scratch.database, { ...base, reason: "angry" })).rejects.toBeInstanceOf(DisputeError);
    await expect(
      openDispute(scratch.database, { ...base, reason: "other", words: "话".repeat(501) }),
    ).rejects.toMatchObject({ code: "words_too_long" });
    await expect(
      openDispute(scratch.database, { ...base, msisdn: "13999999999", reason: "other" }),
    ).rejects.toMatchObject({ code: "unknown_msisdn" });
  });

  it("the clock: due within 12 hours, overdue, answered late; the counts of the nightly report", async () => {
    const at = T0 + 1000 * HOUR;
    const c = await openDispute(scratch.database, {
      msisdn: ALICE,
      billMonth: "2026-09",
      reason: "other",
      words: "整月账单有疑问",
      actor: STAFF,
      nowMs: at,
    });
    const state = async (nowMs: number) =>
      (await casesOf(scratch.database, { msisdn: ALICE }, STAFF, nowMs)).find((v) => v.case.caseId === c.case.caseId)
        ?.clock;
    expect(await state(at + HOUR)).toBe("open");
    expect(await state(at + 37 * HOUR)).toBe("due_soon");
    expect(await state(at + 49 * HOUR)).toBe("overdue");
    const overdue = await listDisputes(scratch.database, { overdueAt: at + 49 * HOUR });
    expect(overdue.map((d) => d.caseId)).toContain(c.case.caseId);
    expect((await disputeCounts(scratch.database, at + 49 * HOUR)).overdue).toBeGreaterThanOrEqual(1);
    // The month as a whole owes refunds (NEWS3, Carol's not): error_found issues nothing the runs issued already.
    const answered = await answerDispute(scratch.database, {
      caseId: c.case.caseId,
      outcome: "error_found",
      staffId: "S01",
      nowMs: at + 49 * HOUR,
    });
    expect(answered.issued).toEqual([]);
    expect(answered.case.answer?.late).toBe(true);
    expect(await state(at + 50 * HOUR)).toBe("answered_late");
    expect((await disputeCounts(scratch.database, at + 50 * HOUR)).answeredLateLast30Days).toBeGreaterThanOrEqual(1);
    const shown = await showDispute(scratch.database, c.case.caseId, STAFF, at + 50 * HOUR);
    expect(shown.replay.sha256).toBe(answered.case.answer?.replaySha256);
  });

  it("writes every opening, answer and read of a case to the access log", async () => {
    const rows = await sql<{ action: string; n: string }>`
      SELECT action, count(*)::text AS n FROM access_log WHERE case_id IS NOT NULL GROUP BY action ORDER BY action`.execute(
      scratch.database.db,
    );
    const counts = Object.fromEntries(rows.rows.map((r) => [r.action, Number(r.n)]));
    expect(counts.dispute_open).toBeGreaterThanOrEqual(5);
    expect(counts.dispute_answer).toBeGreaterThanOrEqual(4);
    expect(counts.dispute_read).toBeGreaterThanOrEqual(4);
  });

  it("an answered case cannot be changed or removed, even by SQL", async () => {
    await expect(
      sql`UPDATE disputes SET words = 'x' WHERE status = 'answered'`.execute(scratch.database.db),
    ).rejects.toThrow(/answered/);
    await expect(sql`DELETE FROM disputes`.execute(scratch.database.db)).rejects.toThrow(/refused/);
  });
});
