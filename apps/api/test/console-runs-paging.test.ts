// The console's runs list in headless Chromium pages through GET /runs by its Link header (the body
// is an array), and a failed run's page shows errorCode beside the string error.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present && process.env.SANDCASTER_REQUIRE_CHROMIUM === "1") {
  throw new Error(
    `SANDCASTER_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing (apt-get install chromium)`,
  );
}
const SKIP_REASON = present
  ? ""
  : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;

/** More than one page (the console asks for 20 at a time). */
const RUNS = 23;

let t: TestServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

describe.skipIf(!present)(`console runs paging in Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    t = await startTestServer({ turns: [], sandbox: "local" });
    const started = Date.now() - 60_000;
    for (let i = 0; i < RUNS; i++) {
      const id = `run-${String(i).padStart(2, "0")}`;
      await t.store.createRun({ id, prompt: `prompt ${i}`, startedAt: new Date(started + i) });
      await t.store.finishRun(id, {
        status: i === 0 ? "error" : "completed",
        endedAt: new Date(started + i + 1000),
        durationSecs: 1,
        filesCount: 0,
        ...(i === 0 ? { error: { code: "TIMEOUT", message: "the run took longer than 5 s" } } : {}),
      });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("loads the next page from the Link header until there is none", async () => {
    await page.goto(`${t.url}/#/runs`);
    const rows = page.locator("#runs-rows tr");
    const more = page.locator("#runs-more");
    await expect.poll(() => rows.count()).toBe(20);
    expect(await rows.nth(0).textContent()).toContain(`prompt ${RUNS - 1}`);
    await more.waitFor({ state: "visible" });
    await more.click();
    await expect.poll(() => rows.count()).toBe(RUNS);
    expect(await rows.nth(RUNS - 1).textContent()).toContain("prompt 0");
    await more.waitFor({ state: "hidden" });
    expect(problems).toEqual([]);
  });

  it("shows a failed run's errorCode and its error text", async () => {
    await page.goto(`${t.url}/#/runs/run-00`);
    const callout = page.locator("#run-detail .record .callout.error");
    await callout.waitFor();
    expect(await callout.locator("strong").textContent()).toBe("Error · TIMEOUT");
    expect(await callout.locator("p").first().textContent()).toBe("the run took longer than 5 s");
    expect(problems).toEqual([]);
  });
});
