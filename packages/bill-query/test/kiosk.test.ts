import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DATABASE_KINDS } from "@billing/db/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch } from "./chromium.js";
import { ALICE, type Served, serveExample, storeSms } from "./serve-fixture.js";

const SCREENSHOTS = fileURLToPath(new URL("../../../test-results/kiosk/", import.meta.url));

describe.each(DATABASE_KINDS)("the kiosk page in headless Chromium, on %s", (kind) => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${kind}-${name}.png`, fullPage: true });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    served = await serveExample(kind);
    // 25 messages in August, so its records take two pages of 20.
    await storeSms(
      served.scratch.database,
      "2026-08",
      ALICE.msisdn,
      "0571",
      Array.from({ length: 25 }, (_, n) => ({
        recordId: `A${n + 1}`,
        at: `2026-08-${String(n + 1).padStart(2, "0")}T09:00:00+08:00`,
        line: n + 2,
      })),
    );
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 1024 }, locale: "zh-CN" });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it("opens in Chinese, refuses a wrong password in plain words, with large touch targets", async () => {
    await page.goto(`${served.base}/kiosk/#kiosk=K01&key=${served.kiosks.K01}`);
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    await expect.poll(() => page.locator("#sign-in h2").textContent()).toBe("请登录");
    expect(new URL(page.url()).hash).toBe("");
    for (const button of await page.locator("#sign-in button:visible").all()) {
      const box = await button.boundingBox();
      expect(box?.height ?? 0).toBeGreaterThanOrEqual(60);
    }
    await shot("1-sign-in");
    for (const digit of ALICE.msisdn) await page.click(`.keypad button:text-is("${digit}")`);
    expect(await page.inputValue("#msisdn")).toBe(ALICE.msisdn);
    await page.fill("#password", "999999");
    await page.click("#sign-in-button");
    await expect.poll(() => page.locator("#message").textContent()).toContain("手机号码与密码");
  });

  it("signs in and lists the six months with their totals", async () => {
    await page.fill("#password", ALICE.password);
    await page.click("#sign-in-button");
    await page.waitForSelector("#months:not([hidden])");
    const months = await page.locator("#month-list button").allTextContents();
    expect(months).toHaveLength(6);
    expect(months[1]).toBe("2026年9月合计 67.94 元");
    await shot("2-months");
  });

  it("shows a month's summary and records, filtered by service", async () => {
    await page.click('#month-list button[data-month="2026-09"]');
    await page.waitForSelector("#month:not([hidden])");
    expect(await page.textContent("#month-title")).toBe("2026年9月 话费清单");
    // By section, each with its subtotal, 应收 beside 实收.
    const sections = await page.locator("#summary tr.section").allTextContents();
    expect(sections).toEqual(["套餐及固定费", "语音通信", "短信", "上网", "增值业务（代收费）", "双倍返还"]);
    const total = page.locator("#summary tr.total td");
    expect(await total.allTextContents()).toEqual(["本月合计", "67.94", "70.84", ""]);
    expect(await page.textContent("#summary")).toContain("彩铃（RING5），咪咕音乐代收");
    expect(await page.textContent("#summary")).toContain("套餐内上网：已用 1.00MB，剩余 0KB");
    expect(await page.textContent("#summary")).toContain("VAS:NEWS3：多收6.00");
    expect(await page.locator("#record-rows tr").count()).toBe(17);
    const v02 = page.locator("#record-rows tr").nth(1);
    expect(await v02.locator("td").allTextContents()).toEqual([
      "2026-09-01 10:00:00",
      "杭州",
      "语音 主叫",
      "01066668888",
      "1分1秒",
      "长途",
      "",
      "0.50",
      "0.50",
      "长途 杭州→北京 2分钟 × 0.25元 = 0.50元（套餐内分钟已用完）",
      "对此收费有疑问",
    ]);
    await shot("3-month");
    await page.click('.filters button[data-service="data"]');
    await expect.poll(() => page.locator("#record-rows tr").count()).toBe(4);
    expect(await page.locator("#record-rows tr td:nth-child(3)").allTextContents()).toEqual(Array(4).fill("上网"));
  });

  it("pages through a month of more than one page, forward and back", async () => {
    await page.click("#back-to-months");
    await page.click('#month-list button[data-month="2026-08"]');
    await page.waitForSelector("#month:not([hidden])");
    await expect.poll(() => page.locator("#record-rows tr").count()).toBe(20);
    expect(await page.isDisabled("#previous-page")).toBe(true);
    await page.click("#next-page");
    await expect.poll(() => page.textContent("#page-number")).toBe("第 2 页 / 共 2 页");
    expect(await page.locator("#record-rows tr").count()).toBe(5);
    expect(await page.locator("#record-rows tr td:first-child").first().textContent()).toBe("2026-08-21 09:00:00");
    expect(await page.isDisabled("#next-page")).toBe(true);
    await shot("4-second-page");
    await page.click("#previous-page");
    await expect.poll(() => page.locator("#record-rows tr").count()).toBe(20);
  });

  it("prints the whole month on one page view, without the kiosk's buttons", async () => {
    await page.click("#print-view");
    await page.waitForSelector("#print:not([hidden])");
    expect(await page.locator("#print-rows tr").count()).toBe(25);
    expect(await page.textContent("#print-title")).toBe("2026年8月 话费清单（138****0001）");
    await page.emulateMedia({ media: "print" });
    expect(await page.isVisible("#print-now")).toBe(false);
    expect(await page.isVisible(".bar")).toBe(false);
    await shot("5-print");
    const pdf = await page.pdf({ format: "A4" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await page.emulateMedia({ media: "screen" });
    await page.click("#back-to-month");
  });

  it("goes back to sign-in when the session has expired, and signs out on request", async () => {
    served.clock.now += 4 * 60_000;
    await page.click("#next-page");
    await page.waitForSelector("#sign-in:not([hidden])");
    expect(await page.textContent("#message")).toContain("已自动退出");
    expect(await page.locator("#record-rows tr").count()).toBe(0);
    await page.fill("#msisdn", ALICE.msisdn);
    await page.fill("#password", ALICE.password);
    await page.click("#sign-in-button");
    await page.waitForSelector("#months:not([hidden])");
    await page.click("#sign-out");
    await page.waitForSelector("#sign-in:not([hidden])");
    expect(await page.inputValue("#msisdn")).toBe("");
  });

  it("signs in with a code sent by SMS", async () => {
    await page.click("#tab-code");
    expect(await page.isVisible("#password")).toBe(false);
    await page.fill("#msisdn", ALICE.msisdn);
    const sent = served.sms.length;
    await page.click("#send-code");
    await expect.poll(() => page.locator("#message").textContent()).toContain("验证码已发送");
    const code = /验证码 (\d{6})/.exec(served.sms[sent]?.text ?? "")?.[1] ?? "";
    await page.click("#code");
    for (const digit of code) await page.click(`.keypad button:text-is("${digit}")`);
    await page.click("#sign-in-button");
    await page.waitForSelector("#months:not([hidden])");
    await page.click("#sign-out");
  });
});
