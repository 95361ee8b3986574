// Live tool output in the console (headless Chromium, real server and runner): a running bash
// call's panel opens and fills as the command prints, as text (never markup), before its result.
// The command never ends by itself, so what the panel shows was streamed; Cancel ends the run.
import { mkdir } from "node:fs/promises";
import { CHROMIUM_PATH, hasService } from "@sandcaster/testkit/services";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

const CHROMIUM = CHROMIUM_PATH;
const present = hasService("chromium");
const SKIP_REASON = present
  ? ""
  : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;
const SHOTS = new URL("../test-artifacts/console/", import.meta.url);

const COMMAND =
  "for i in 1 2 3; do echo line$i; done; echo '<img src=x onerror=alert(1)>'; sleep 60";

let t: TestServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

describe.skipIf(!present)(`live tool output in the console${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestServer({
      turns: [{ toolCalls: [{ name: "bash", input: { command: COMMAND } }] }, { text: "never" }],
      sandbox: "local",
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("shows a running command's output in its tool panel as it prints", async () => {
    await page.goto(`${t.url}/`);
    await page.getByLabel("Prompt").fill("print some lines");
    await page.getByLabel("Sandbox").selectOption("local");
    await page.getByRole("button", { name: "Run" }).click();

    const panel = page.locator("details.tool").first();
    const output = panel.locator("pre.tool-result.live");
    await expect.poll(() => output.textContent(), { timeout: 30_000 }).toContain("line3");
    expect(await panel.getAttribute("open")).not.toBeNull();
    expect(await panel.getAttribute("data-state")).toBe("running");
    expect(await panel.locator(".badge").textContent()).toBe("running · live");
    // Text, not markup: the tag is shown as typed and no element was made of it.
    expect(await output.textContent()).toBe("line1\nline2\nline3\n<img src=x onerror=alert(1)>\n");
    expect(await output.locator("img").count()).toBe(0);
    await page.screenshot({ path: new URL("live-tool-output.png", SHOTS).pathname });

    await page.getByRole("button", { name: "Cancel" }).click();
    // The user's own cancel is an outcome, shown as a neutral notice (not a red error).
    await expect
      .poll(() => page.locator(".callout.notice strong").first().textContent(), { timeout: 30_000 })
      .toBe("Cancelled · you stopped this run");
    expect(problems).toEqual([]);
  }, 90_000);
});
