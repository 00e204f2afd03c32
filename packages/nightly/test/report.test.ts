import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { openDispute, registerStaff } from "@billing/disputes";
import { reconcile, yuan } from "@billing/nightly";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch } from "../../bill-query/test/chromium.js";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
const SHOTS = fileURLToPath(new URL("../../../test-results/", import.meta.url));

describe("yuan in the report", () => {
  it.each([
    [0, "0.00"],
    [5, "0.05"],
    [123456789, "1,234,567.89"],
    [-1181000, "-11,810.00"],
  ])("%i cents reads %s", (cents, text) => expect(yuan(cents)).toBe(text));
});

// The analyst's report, opened offline in headless Chromium after a night and its rerun.
describe("report.html in headless Chromium", () => {
  let work: string;
  let scratch: ScratchDatabase;
  let browser: Browser;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "billing-report-"));
    scratch = await scratchDatabase("pglite");
    await reconcile({ inDir: EXAMPLE, outDir: join(work, "first"), database: scratch.database, runId: "first" });
    // A customer's case opened between the nights, due in 48 hours: the rerun's report counts it.
    await registerStaff(scratch.database, "S01", "Wang");
    await openDispute(scratch.database, {
      msisdn: "13805710001",
      billMonth: "2026-09",
      itemKey: "FEE:GT58",
      reason: "wrong_rate",
      actor: { channel: "staff", staffId: "S01" },
      nowMs: Date.now() - 40 * 3_600_000,
    });
    await reconcile({ inDir: EXAMPLE, outDir: join(work, "rerun"), database: scratch.database, runId: "rerun" });
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await scratch.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("lists every subscriber-month owing a refund with its replay, sorts and filters, explains the rerun, shows the trend", async () => {
    const html = readFileSync(join(work, "rerun", "report.html"), "utf8");
    expect(html).not.toMatch(/<(link|img)\b|src="http|href="http/);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(join(work, "rerun", "report.html")).href);
    const rows = page.locator("#owing tbody tr");
    const owing = new Set(
      readFileSync(join(work, "first", "discrepancies.csv"), "utf8")
        .split("\r\n")
        .slice(1)
        .filter((l) => l !== "" && !l.includes(",0.00,"))
        .map((l) => l.split(",").slice(0, 2).join(" ")),
    );
    expect(await rows.count()).toBe(owing.size);
    expect(await page.locator("#owing").textContent()).toContain("billing replay --msisdn 13500100003 --month 2026-09");
    await page.locator("#owing th", { hasText: "refund owed" }).click();
    await page.locator("#owing th", { hasText: "refund owed" }).click();
    const refunds = await page.locator("#owing tbody tr td:nth-child(6)").allTextContents();
    expect(refunds).toEqual([...refunds].sort((a, b) => Number(b.replace(/,/g, "")) - Number(a.replace(/,/g, ""))));
    await page.fill("#filter", "13500100003");
    expect(await page.locator("#owing tbody tr:not([hidden])").count()).toBe(1);
    await page.fill("#filter", "");
    expect(await page.textContent("body")).toContain("a rerun issues nothing new");
    const disputes = await page.locator("h2:has-text('Customer disputes') + .cards .card").allTextContents();
    expect(disputes).toEqual([
      "open 处理中1",
      "due within 12 h 12小时内到期1",
      "overdue 已超时0",
      "answered late, last 30 days 近30天超时答复0",
    ]);
    expect(await page.locator("table").nth(0).locator("tbody tr").count()).toBe(2);
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(1280);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "report.png"), fullPage: true });
  });
});
