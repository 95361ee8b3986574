// The console's sessions view, copy-as, totals and charts, the runs table's fit (1280 px and a
// phone) and the empty-prompt message, in headless Chromium against a real server (local sandbox).
// Screenshots go to test-artifacts/console/.
import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { CHROMIUM_PATH, hasService } from "@sandcaster/testkit/services";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

const present = hasService("chromium");
const SKIP_REASON = present
  ? ""
  : ` (skipped: ${CHROMIUM_PATH} is not installed; apt-get install chromium)`;
const SHOTS = new URL("../test-artifacts/console/", import.meta.url);

const TURNS = [
  // The session's first turn writes a file its workspace keeps.
  { toolCalls: [{ name: "bash", input: { command: "echo kept > notes.txt" } }] },
  { text: "Saved notes.txt.", usage: { inputTokens: 900, outputTokens: 60 } },
  // The copied curl command, run by a shell.
  { text: "Hello from curl.", usage: { inputTokens: 400, outputTokens: 20 } },
];

let t: TestServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
}

/** Whether the element's content is wider than its box (a horizontal scroll bar). */
async function overflows(selector: string) {
  return page
    .locator(selector)
    .evaluate((element) => element.scrollWidth > element.clientWidth + 1);
}

describe.skipIf(!present)(`console views in Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestServer({ turns: TURNS, sandbox: "local" });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
      colorScheme: "light",
    });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.url });
    page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("says in words that a prompt is needed, and sends nothing", async () => {
    await page.goto(`${t.url}/`);
    await page.getByRole("button", { name: "Run" }).click();
    const error = page.locator("#prompt-error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(
      /^Write a prompt first: it tells the agent what to do/,
    );
    expect(await page.getByLabel("Prompt").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#playground-output .callout").count()).toBe(0);
    expect(t.double.requests).toHaveLength(0);
    expect(await t.store.listRuns({ limit: 10 })).toMatchObject({ runs: [] });
    await page.getByLabel("Prompt").fill("x");
    expect(await error.isHidden()).toBe(true);
  });

  it("lists sessions, continues one from the playground, and downloads its workspace", async () => {
    await page.getByRole("link", { name: "Sessions" }).click();
    await page.getByText("No sessions.", { exact: false }).waitFor();
    await page.getByLabel("Provider for a new session").selectOption("local");
    await page.getByRole("button", { name: "New session" }).click();
    const row = page.locator("#sessions-rows tr");
    await expect.poll(() => row.count()).toBe(1);
    const id = (await row.getAttribute("data-session")) ?? "";
    expect(id).toMatch(/^ses_/);
    expect(await row.locator("td").nth(3).textContent()).toBe("0");

    await row.getByRole("button", { name: /^Continue/ }).click();
    await page.waitForURL(`${t.url}/#/`);
    expect(await page.getByLabel("Session", { exact: true }).inputValue()).toBe(id);
    await page.getByLabel("Prompt").fill("Keep a note in notes.txt");
    await page.getByRole("button", { name: "Run" }).click();
    const view = page.locator("#playground-output");
    await view.locator(".pill[data-status='completed']").waitFor({ timeout: 60_000 });
    const runId = (await view.locator("a.run-id").textContent()) ?? "";
    expect(await t.store.getRun(runId)).toMatchObject({ sessionId: id });
    await shot("20-playground-session-turn");

    await page.getByRole("link", { name: "Sessions" }).click();
    await expect.poll(() => row.locator("td").nth(3).textContent(), { timeout: 15_000 }).toBe("1");
    await shot("21-sessions");
    const download = page.waitForEvent("download");
    await row.getByRole("button", { name: /^Download the workspace/ }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${id}.tar`);
    const tar = await readFile((await file.path()) ?? "");
    // A tar archive (ustar magic at 257) holding the file the turn wrote.
    expect(tar.subarray(257, 262).toString()).toBe("ustar");
    expect(tar.includes("notes.txt")).toBe(true);
    expect(tar.includes("kept\n")).toBe(true);
  }, 120_000);

  it("copies the playground's request as curl, SDK and CLI; the curl command runs", async () => {
    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByLabel("Session", { exact: true }).fill("");
    await page.getByLabel("Prompt").fill("Say 'hello' from curl");
    await page.getByLabel("Model").fill("haiku");
    await page.getByRole("button", { name: "curl" }).click();
    const snippet = page.locator("#copy-snippet");
    await expect
      .poll(() => page.locator("#copy-status").textContent())
      .toBe("Copied the curl command to the clipboard.");
    const curl = (await snippet.textContent()) ?? "";
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(curl);
    expect(curl).toContain(`curl -N ${t.url}/query`);
    expect(curl).not.toContain("authorization"); // this server asks for no key
    // The copied command, run by a real shell, streams the run.
    const { stdout } = await promisify(execFile)("bash", ["-c", curl], { timeout: 90_000 });
    expect(stdout).toContain('"type":"result"');
    expect(stdout).toContain("Hello from curl.");

    await page.getByRole("button", { name: "SDK" }).click();
    await expect
      .poll(() => snippet.textContent())
      .toContain('import { createClient } from "@sandcaster/sdk";');
    const sdk = (await snippet.textContent()) ?? "";
    expect(sdk).toContain(`createClient({ baseUrl: "${t.url}" })`);
    expect(sdk).toContain('"prompt": "Say \'hello\' from curl"');
    expect(sdk).toContain('"model": "haiku"');

    await page.getByRole("button", { name: "CLI" }).click();
    await expect
      .poll(() => snippet.textContent())
      .toBe(`sandcaster query 'Say '\\''hello'\\'' from curl' --model haiku --url ${t.url}`);
    await shot("22-playground-copy-as");
    await page.getByLabel("Model").fill("");
  }, 120_000);

  it("shows totals and charts of runs, cost and tokens by model; the table fits 1280 px and a phone", async () => {
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    const usage = page.locator("#usage");
    await usage.locator(".chart").first().waitFor();
    expect(await usage.locator("[data-stat='runs'] dd").textContent()).toBe("2");
    const { runs } = await t.store.listRuns({ limit: 10 });
    const tokens = runs.reduce((sum, r) => {
      const u = r.usage;
      return (
        sum + (u ? u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens : 0)
      );
    }, 0);
    expect(tokens).toBeGreaterThan(1000);
    expect(await usage.locator("[data-stat='tokens'] dd").textContent()).toBe(
      `${(tokens / 1000).toFixed(tokens < 10_000 ? 1 : 0)}k`,
    );
    const runsChart = usage.locator(".chart[data-measure='runs']");
    // One bar segment per model with runs in the hour; each says its model and value.
    const models = await runsChart
      .locator("rect.bar")
      .evaluateAll((bars) => bars.map((bar) => bar.getAttribute("data-model")));
    expect(models).toHaveLength(2);
    expect(new Set(models).size).toBe(2);
    expect(await runsChart.locator("rect.bar title").first().textContent()).toMatch(/: 1$/);
    expect(await usage.locator(".chart[data-measure='tokens'] rect.bar").count()).toBe(2);
    expect(await usage.locator(".legend li").count()).toBe(2);
    await shot("23-runs-charts");

    // Rows link their short id to the run's page.
    const rows = page.locator("#runs-rows tr");
    await expect.poll(() => rows.count()).toBe(2);
    const idLink = rows.first().locator("a.short-id");
    expect(await idLink.getAttribute("href")).toMatch(/^#\/runs\/run_/);
    expect(await overflows("#page-runs .table-wrap")).toBe(false);
    expect(await page.locator("html").evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(
      1280,
    );

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await overflows("#page-runs .table-wrap")).toBe(false);
    expect(await page.locator("html").evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    // What stays on a phone: status, the prompt (linking the run's page) and cost.
    expect(await rows.first().locator("td:visible").count()).toBe(3);
    await shot("24-runs-phone");
    // The sessions table fits too.
    await page.getByRole("link", { name: "Sessions" }).click();
    await page.locator("#sessions-rows tr").first().waitFor();
    expect(await overflows("#page-sessions .table-wrap")).toBe(false);
    await shot("26-sessions-phone");
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    await rows.first().waitFor();
    await rows.first().locator(".prompt-cell a").click();
    await page.waitForURL(/#\/runs\/run_/);
    await page.locator("#run-detail .record .pill[data-status='completed']").waitFor();
    await shot("25-run-page-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(problems).toEqual([]);
  }, 120_000);
});
