import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { answerDispute, registerStaff } from "@billing/disputes";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch } from "./chromium.js";
import { ALICE, type Served, serveExample } from "./serve-fixture.js";

const SCREENSHOTS = fileURLToPath(new URL("../../../test-results/kiosk/", import.meta.url));
const HOUR = 3_600_000;

describe("questioning a charge at the kiosk, in headless Chromium", () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}dispute-${name}.png`, fullPage: true });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    served = await serveExample("postgres");
    await registerStaff(served.scratch.database, "S01", "Wang");
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
    await page.goto(`${served.base}/kiosk/#kiosk=K01&key=${served.kiosks.K01}`);
    await page.fill("#msisdn", ALICE.msisdn);
    await page.fill("#password", ALICE.password);
    await page.click("#sign-in-button");
    await page.waitForSelector("#months:not([hidden])");
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it("a value-added line: the reason list, then the case id, the due time and the refund at once", async () => {
    await page.click('#month-list button[data-month="2026-09"]');
    await page.waitForSelector("#month:not([hidden])");
    await page.click('#summary button[data-item="VAS:RING5"]');
    await page.waitForSelector("#dispute-dialog[open]");
    expect(await page.locator("#dispute-reasons label").allTextContents()).toEqual([
      "没有发生过",
      "时长或流量不对",
      "单价不对",
      "从未订购",
      "其他",
    ]);
    for (const choice of await page.locator("#dispute-reasons label").all())
      expect((await choice.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(48);
    await page.click('label.choice:has-text("从未订购")');
    await page.fill("#dispute-text", "我没有订过彩铃");
    await shot("1-reasons");
    await page.click("#dispute-submit");
    await page.waitForSelector("#dispute-done:not([hidden])");
    expect(await page.textContent("#done-case")).toMatch(/^TS20261015-\d{6}$/);
    expect(await page.textContent("#done-due")).toBe("2026-10-17 12:00");
    expect(await page.textContent("#done-refund")).toContain("已先行双倍返还 10.00 元");
    await shot("2-accepted");
    await page.click("#done-close");
    await expect.poll(() => page.locator("#summary .mark.open").count()).toBe(1);
  });

  it("a record: its row marked under dispute at once", async () => {
    const first = page.locator("#record-rows tr").first();
    await first.locator("button").click();
    await page.click('label.choice:has-text("时长或流量不对")');
    await page.click("#dispute-submit");
    await page.waitForSelector("#dispute-done:not([hidden])");
    expect(await page.isVisible("#done-refund")).toBe(false);
    await page.click("#done-close");
    await expect.poll(() => first.locator(".mark").textContent()).toBe("投诉处理中");
    await shot("3-marked");
  });

  it("我的投诉: each case with its due time, then the answer and its explanation; past due, said so", async () => {
    await page.click("#back-to-months");
    await page.click("#open-disputes");
    await page.waitForSelector("#disputes:not([hidden])");
    expect(await page.locator("#dispute-list li.dispute").count()).toBe(2);
    expect(await page.textContent("#dispute-list")).toContain("处理中");
    const [ring] = (await page.locator("#dispute-list li.dispute .case").allTextContents()).filter(Boolean);
    expect(ring).toMatch(/投诉编号TS/);
    // Two days on, the session long ended: sign in again.
    served.clock.now += 49 * HOUR;
    await page.click("#back-from-disputes");
    await page.waitForSelector("#sign-in:not([hidden])");
    const signIn = async () => {
      await page.fill("#msisdn", ALICE.msisdn);
      await page.fill("#password", ALICE.password);
      await page.click("#sign-in-button");
      await page.waitForSelector("#months:not([hidden])");
    };
    await signIn();
    await page.click("#open-disputes");
    await expect.poll(() => page.textContent("#dispute-list")).toContain("已超过答复时限");
    // Staff answer the value-added case: the charge was as published.
    const cases = await served.app.inject({
      method: "GET",
      url: "/v1/staff/disputes?open=true",
      headers: { "x-staff-id": "S01", "x-staff-key": "wrong" },
    });
    expect(cases.statusCode).toBe(401);
    const { disputeById, listDisputes } = await import("@billing/db");
    const vas = (await listDisputes(served.scratch.database, { open: true })).find((d) => d.itemKey === "VAS:RING5");
    await answerDispute(served.scratch.database, {
      caseId: vas?.caseId as string,
      outcome: "no_error",
      staffId: "S01",
      text: "彩铃已按您 7 月 3 日的订购和确认收取",
      nowMs: served.clock.now,
    });
    expect((await disputeById(served.scratch.database, vas?.caseId as string))?.answer?.late).toBe(true);
    await page.click("#back-from-disputes");
    await page.click("#open-disputes");
    await expect.poll(() => page.textContent("#dispute-list")).toContain("经核实收费无误（超时答复）");
    expect(await page.textContent("#dispute-list")).toContain("未发现多收");
    expect(await page.textContent("#dispute-list")).toContain("返还金额10.00 元");
    await shot("4-my-cases");
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await shot("5-my-cases-390");
  });
});
