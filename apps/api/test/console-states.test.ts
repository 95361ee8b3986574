// The console in headless Chromium: the API reference at /docs (rendered from /openapi.json, no file
// from elsewhere), a run id that links to its page, the runs list refreshing by itself, and the
// states after a cancel (no "running" badge, no live header, no red error for the user's own cancel).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

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
const SHOTS = new URL("../test-artifacts/console/", import.meta.url);

const TURNS = [
  { text: "first answer" },
  // the run that gets cancelled: the model takes its time
  { text: "too late", delayMs: 60_000 },
  { text: "made from outside the page" },
];

let t: TestServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];
/** Every request the page made to a host other than the server under test. */
const foreign: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
}

describe.skipIf(!present)(`console states in Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestServer({ turns: TURNS, sandbox: "local" });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
      viewport: { width: 1280, height: 900 },
      colorScheme: "light",
    });
    page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("request", (request) => {
      if (!request.url().startsWith(t.url)) foreign.push(request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("links the API reference from the console, and renders it from /openapi.json", async () => {
    await page.goto(`${t.url}/`);
    await page.getByRole("link", { name: "API docs" }).click();
    await page.waitForURL(`${t.url}/docs`);
    await page.getByRole("heading", { name: "Sandcaster API" }).waitFor();
    expect(await page.title()).toBe("API reference · Sandcaster");
    const query = page.locator("#op-post-query");
    expect(await query.locator(".docs-path").textContent()).toBe("/query");
    expect(await query.locator(".docs-summary").textContent()).toBe(
      "Start a run and stream its events",
    );
    // The request body's schema is shown, with its required field.
    expect(
      await query.locator(".schema-props > li", { hasText: "prompt" }).first().textContent(),
    ).toContain("required");
    const token = page.locator("#op-post-runs-id-stream-token");
    expect(await token.locator("[data-status-code='200']").count()).toBe(1);
    const events = page.locator("#op-get-runs-id-events");
    expect(await events.locator("[data-status-code='204']").count()).toBe(1);
    await page.screenshot({ path: new URL("10-api-docs.png", SHOTS).pathname });
    // The index links to every operation.
    await page.locator("#docs-index a", { hasText: "/runs/{id}/cancel" }).click();
    expect(page.url()).toMatch(/#op-post-runs-id-cancel$/);
    // Strict CSP holds: the page runs (it rendered) and no inline code or foreign file was needed.
    const csp = (await page.request.get(`${t.url}/docs`)).headers()["content-security-policy"];
    expect(csp).toContain("script-src 'self'");
  });

  it("links a run's id to its page", async () => {
    await page.goto(`${t.url}/`);
    await page.getByLabel("Prompt").fill("answer once");
    await page.getByRole("button", { name: "Run" }).click();
    const view = page.locator("#playground-output");
    await view.locator(".pill[data-status='completed']").waitFor({ timeout: 30_000 });
    const id = view.locator("a.run-id");
    const runId = (await id.textContent()) ?? "";
    expect(runId).toMatch(/^run_/);
    await id.click();
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    await page.locator("#run-detail .record .pill[data-status='completed']").waitFor();
    expect(await page.locator("#run-detail h2.run-id").textContent()).toBe(runId);
  });

  it("after the user's own cancel: cancelled, not running, not live, not a red error", async () => {
    await page.goto(`${t.url}/#/`);
    await page.getByLabel("Prompt").fill("This one will be cancelled");
    await page.getByRole("button", { name: "Run" }).click();
    const view = page.locator("#playground-output");
    await view.locator(".pill[data-status='running']").waitFor();
    await view.locator(".step[data-kind='sandbox'][data-state='ok']").waitFor({ timeout: 15_000 });
    const runId = (await view.locator("a.run-id").textContent()) ?? "";
    // It has taken the model's slow turn (so the next run gets the next one).
    await expect.poll(() => t.double.requests.length, { timeout: 15_000 }).toBe(2);
    await page.getByRole("button", { name: "Cancel" }).click();
    await view.locator(".pill[data-status='cancelled']").waitFor({ timeout: 15_000 });
    expect(await view.locator(".pill[data-status='running']").count()).toBe(0);
    expect(await view.locator(".callout.error").count()).toBe(0);
    const notice = view.locator(".callout.notice");
    expect(await notice.locator("strong").textContent()).toBe("Cancelled · you stopped this run");
    await shot("11-playground-own-cancel");

    // Its page: the record says cancelled, neutral; the events are not "live".
    await view.locator("a.run-id").click();
    await page.waitForURL(new RegExp(`#/runs/${runId}$`));
    const detail = page.locator("#run-detail");
    await detail.locator(".record .pill[data-status='cancelled']").waitFor();
    expect(await detail.locator(".pill[data-status='running']").count()).toBe(0);
    expect(await detail.locator(".section-title").textContent()).toBe("Events");
    expect(await detail.locator(".callout.error").count()).toBe(0);
    expect(await detail.locator(".record .callout.notice").count()).toBe(1);
    await shot("12-run-page-cancelled");
  });

  it("refreshes the runs list by itself", async () => {
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    const rows = page.locator("#runs-rows tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).locator(".pill").textContent()).toBe("cancelled");
    // A run made elsewhere (not from this page) appears without a click on Refresh.
    await readEvents(await postQuery(t.url, { prompt: "made from outside the page" }));
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    expect(await rows.nth(0).textContent()).toContain("made from outside the page");
    // A row the page first saw running turns completed, again without a click.
    await expect
      .poll(() => rows.nth(0).locator(".pill").textContent(), { timeout: 15_000 })
      .toBe("completed");
    await shot("13-runs-refreshed");
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
