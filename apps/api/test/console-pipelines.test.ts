// Pipelines in the console (headless Chromium, local sandbox): a pasted document starts one, its
// steps stream as blocks with live output and exit codes, the result document shows as text; a
// failed step shows the run failed (as its record says); pipeline runs are a kind on the runs page.
import { mkdir } from "node:fs/promises";
import { CHROMIUM_PATH, hasService } from "@sandcaster/testkit/services";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

const present = hasService("chromium");
const SKIP_REASON = present
  ? ""
  : ` (skipped: ${CHROMIUM_PATH} is not installed; apt-get install chromium)`;
const SHOTS = new URL("../test-artifacts/console/", import.meta.url);

// A step's output is data: markup in it must stay text.
const GOOD =
  "# Build\n\n```bash\necho building\necho '<img src=x onerror=alert(1)>'\n```\n\n```bash\necho checked >&2\n```\n";
const FAILING =
  "# Broken\n\n```bash\necho one\n```\n\n```bash\necho two\nexit 3\n```\n\n```bash\necho never\n```\n";

let t: TestServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
}

describe.skipIf(!present)(`pipelines in the console${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    // No model key at all: a pipeline calls no model.
    t = await startTestServer({ turns: [], sandbox: "local", env: { ANTHROPIC_API_KEY: "" } });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("refuses an empty document in words", async () => {
    await page.goto(`${t.url}/#/pipelines`);
    await page.getByRole("button", { name: "Start pipeline" }).click();
    expect(await page.locator("#pipeline-error").textContent()).toMatch(/^Paste a pipeline first/);
    expect((await t.store.listRuns({ limit: 5 })).runs).toEqual([]);
  });

  it("starts a pasted pipeline and shows its steps, output and result document", async () => {
    await page.getByLabel("Pipeline document (markdown)").fill(GOOD);
    await page.getByLabel("Runs on").selectOption("local");
    await page.getByRole("button", { name: "Start pipeline" }).click();
    const view = page.locator("#pipeline-output");
    await view.locator(".run-header .pill[data-status='completed']").waitFor({ timeout: 60_000 });
    const steps = view.locator("details.step-block");
    expect(await steps.count()).toBe(2);
    expect(await steps.nth(0).locator(".tool-preview").textContent()).toBe("echo building");
    expect(await steps.nth(0).getAttribute("data-state")).toBe("ok");
    expect(await steps.nth(0).locator(".badge").textContent()).toMatch(/^exit 0 · /);
    expect(await steps.nth(0).locator(".step-output").textContent()).toBe(
      "building\n<img src=x onerror=alert(1)>\n",
    );
    // stderr goes to its own step's output.
    expect(await steps.nth(1).locator(".step-output").textContent()).toBe("checked\n");
    expect(await view.locator(".step-output img").count()).toBe(0);
    const document = (await view.locator(".result-document .document-text").textContent()) ?? "";
    expect(document.startsWith("# Build\n\n```bash\necho building")).toBe(true);
    expect(document).toContain("<!-- sandcaster:result");
    expect(await view.locator(".result-document img").count()).toBe(0);
    expect(await view.locator(".timeline .step").count()).toBeGreaterThanOrEqual(3);
    await shot("30-pipeline-done");
  }, 90_000);

  it("shows a failed step as the run failing, as its record says", async () => {
    await page.getByLabel("Pipeline document (markdown)").fill(FAILING);
    await page.getByRole("button", { name: "Start pipeline" }).click();
    const view = page.locator("#pipeline-output");
    await view.locator(".run-header .pill[data-status='error']").waitFor({ timeout: 60_000 });
    const steps = view.locator("details.step-block");
    expect(await steps.count()).toBe(2);
    expect(await steps.nth(1).getAttribute("data-state")).toBe("error");
    expect(await steps.nth(1).locator(".badge").textContent()).toMatch(/^exit 3 · /);
    expect(await view.locator(".callout.error strong").textContent()).toBe(
      "Error · PIPELINE_FAILED",
    );
    expect(await view.locator(".result-document .document-text").textContent()).toContain(
      "❌ step 2: exit 3",
    );
    const runId = (await view.locator("a.run-id").textContent()) ?? "";
    expect(await t.store.getRun(runId)).toMatchObject({
      status: "error",
      errorCode: "PIPELINE_FAILED",
    });
    // Recent pipelines list both, newest first, linked to their pages.
    const recent = page.locator("#pipeline-recent li a");
    await expect.poll(() => recent.count()).toBe(2);
    expect(await recent.first().getAttribute("href")).toBe(`#/runs/${runId}`);
    await shot("31-pipeline-failed");

    // Its page replays the steps with the same renderer; the record says error.
    await recent.first().click();
    const detail = page.locator("#run-detail");
    await detail.locator(".record .pill[data-status='error']").waitFor();
    expect(await detail.locator(".record .callout.error strong").textContent()).toBe(
      "Error · PIPELINE_FAILED",
    );
    await expect.poll(() => detail.locator("details.step-block").count()).toBe(2);
    expect(await detail.locator(".result-document").count()).toBe(1);
    await shot("32-pipeline-run-page");
  }, 90_000);

  it("filters the runs list by kind", async () => {
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    const rows = page.locator("#runs-rows tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().locator(".kind-tag").textContent()).toBe("pipeline");
    await page.getByLabel("Kind").selectOption("pipeline");
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel("Kind").selectOption("query");
    await page.getByText("No query runs.").waitFor();
    await page.getByLabel("Kind").selectOption("");
    expect(problems).toEqual([]);
  });
});
