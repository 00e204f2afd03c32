import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch } from "./chromium.js";
import { ALICE, type Served, serveExample } from "./serve-fixture.js";

const SHOTS = fileURLToPath(new URL("../../../test-results/kiosk/", import.meta.url));
const VIEWPORTS = [
  { name: "1280x900", width: 1280, height: 900 },
  { name: "1080x1920", width: 1080, height: 1920 },
  { name: "390x844", width: 390, height: 844 },
] as const;

/** Every visible button a finger must hit: at least 48 × 48 CSS pixels. */
async function smallTargets(page: Page): Promise<string[]> {
  const small: string[] = [];
  for (const button of await page.locator("button:visible").all()) {
    const box = await button.boundingBox();
    if (box && (box.height < 48 || box.width < 48))
      small.push(`${await button.textContent()} ${box.width}×${box.height}`);
  }
  return small;
}

describe("the kiosk at a desk, a portrait kiosk and a phone, in headless Chromium", () => {
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    served = await serveExample("postgres");
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it.each(VIEWPORTS)("every screen at $name: no sideways scrolling, touch targets of 48 px", async (viewport) => {
    const page = await browser.newPage({ viewport, locale: "zh-CN", acceptDownloads: true });
    const check = async (screen: string) => {
      await page.screenshot({ path: `${SHOTS}${viewport.name}-${screen}.png`, fullPage: true });
      expect(await page.evaluate("document.documentElement.scrollWidth"), screen).toBeLessThanOrEqual(viewport.width);
      expect(await smallTargets(page), screen).toEqual([]);
    };
    await page.goto(`${served.base}/kiosk/#kiosk=K01&key=${served.kiosks.K01}`);
    await page.waitForSelector("#sign-in:not([hidden])");
    await check("1-sign-in");
    await page.click("#open-tariffs");
    await page.waitForSelector("#tariffs:not([hidden])");
    expect(await page.textContent("#tariff-list")).toContain("全球通58元套餐（GT58）月租 58.00 元");
    await check("2-tariffs");
    await page.click("#back-from-tariffs");
    await page.fill("#msisdn", ALICE.msisdn);
    await page.fill("#password", ALICE.password);
    await page.click("#sign-in-button");
    await page.waitForSelector("#months:not([hidden])");
    await check("3-months");
    await page.click('#month-list button[data-month="2026-09"]');
    await page.waitForSelector("#month:not([hidden])");
    await check("4-month");
    await page.click("#back-to-months");
    await page.click("#open-disputes");
    await page.waitForSelector("#disputes:not([hidden])");
    await check("5-disputes");
    await page.close();
  });

  it("warns how many tries are left before the 15-minute lock", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
    await page.goto(`${served.base}/kiosk/#kiosk=K02&key=${served.kiosks.K02}`);
    await page.fill("#msisdn", "13905710002");
    await page.fill("#password", "000000");
    await page.click("#sign-in-button");
    await expect.poll(() => page.textContent("#message")).toContain("还可再试 4 次，次数用完将锁定 15 分钟");
    await page.screenshot({ path: `${SHOTS}tries-left.png` });
    await page.close();
  });

  it("offers the CSV by a button: UTF-8 with a byte order mark, Chinese headers", async () => {
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      locale: "zh-CN",
      acceptDownloads: true,
    });
    await page.goto(`${served.base}/kiosk/#kiosk=K01&key=${served.kiosks.K01}`);
    await page.fill("#msisdn", ALICE.msisdn);
    await page.fill("#password", ALICE.password);
    await page.click("#sign-in-button");
    await page.click('#month-list button[data-month="2026-09"]');
    await page.waitForSelector("#month:not([hidden])");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
    expect(download.suggestedFilename()).toBe("话费清单-2026-09.csv");
    const bytes = readFileSync((await download.path()) as string);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString("utf8").split("\r\n");
    expect(lines[0]).toBe(
      "起始时间,业务,通信方式,通信地点,对方号码,通信时长/流量,通信类型,套餐优惠,应收(元),实收(元),计费说明",
    );
    expect(lines).toHaveLength(1 + 17 + 1);

    // The printed bill: its header and totals, on A4, without the screen's controls.
    await page.click("#print-view");
    await page.waitForSelector("#print:not([hidden])");
    expect(await page.textContent("#print-facts")).toMatch(
      /机主 138\*\*\*\*0001.*账期 2026-09-01 至 2026-09-30.*打印时间/,
    );
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("button:visible").count()).toBe(0);
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    writeFileSync(`${SHOTS}bill-2026-09.pdf`, pdf);
    const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: `${SHOTS}print-a4.png`, fullPage: true });
    await page.close();
  });
});
