// The web console in headless Chromium against a real server: key prompt, a streamed run with a
// tool call and files, cancel, the runs dashboard and a replayed run. Screenshots go to test-artifacts/.
import { mkdir, readFile } from "node:fs/promises";
import { CHROMIUM_PATH, hasService } from "@sandcaster/testkit/services";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

const CHROMIUM = CHROMIUM_PATH;
const present = hasService("chromium");
const SKIP_REASON = present
  ? ""
  : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;

const KEY = "console-test-key";
const SHOTS = new URL("../test-artifacts/console/", import.meta.url);

const TURNS = [
  {
    thinking: "The user wants a greeting file. I will write it, then look at what they sent.",
    text: "I'll write hello.txt, then check the files you sent.",
    toolCalls: [
      { name: "write_file", input: { path: "hello.txt", content: "hello from the console\n" } },
      {
        name: "bash",
        input: {
          command:
            "cat notes.txt && wc -c < data.bin && printf '\\000\\001\\377' > blob.bin && cat missing.txt",
        },
      },
    ],
    usage: { inputTokens: 1200, outputTokens: 150, cacheReadTokens: 300, cacheWriteTokens: 0 },
  },
  { text: "Done: hello.txt is written.", usage: { inputTokens: 1500, outputTokens: 40 } },
  // the run that gets cancelled: the model takes its time
  { text: "too late", delayMs: 20_000 },
];

let t: TestServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
}

describe.skipIf(!present)(`web console in Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestServer({ turns: TURNS, apiKey: KEY, sandbox: "local" });
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
      acceptDownloads: true,
      viewport: { width: 1440, height: 900 },
      colorScheme: "light",
    });
    page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // The browser logs every refused request: the 401s that make the page ask for the key and the
      // deliberately invalid request's 400 are expected.
      if (message.type() === "error" && !/status of 40[01]/.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("opens without a key and shows the playground", async () => {
    await page.goto(`${t.url}/`);
    await expect.poll(() => page.title()).toBe("Playground · Sandcaster");
    expect(await page.getByRole("heading", { name: "Playground" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "Playground" }).getAttribute("aria-current")).toBe(
      "page",
    );
    await shot("01-playground-empty");
  });

  it("asks for the key on the first 401, refuses a wrong one, then streams the run", async () => {
    await page.getByLabel("Prompt").fill("Write hello.txt, then look at notes.txt and data.bin");
    await page.getByLabel("Model").fill("haiku");
    await page.getByLabel("Sandbox").selectOption("local");
    await page.getByLabel("Files for the workspace").setInputFiles([
      {
        name: "notes.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("notes from the browser\n"),
      },
      {
        name: "data.bin",
        mimeType: "application/octet-stream",
        buffer: Buffer.from([0, 255, 1, 2]),
      },
    ]);
    await page.getByRole("button", { name: "Run" }).click();

    const dialog = page.getByRole("dialog", { name: "API key required" });
    await dialog.waitFor();
    await dialog.getByLabel("API key").fill("not-the-key");
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.getByText("The server refused that key").waitFor();
    await shot("02-key-dialog");
    await dialog.getByLabel("API key").fill(KEY);
    await dialog.getByRole("button", { name: "Continue" }).click();

    const view = page.locator("#playground-output");
    await view.locator(".pill[data-status='completed']").waitFor({ timeout: 30_000 });
    expect(await view.locator(".assistant-text").allTextContents()).toEqual([
      "I'll write hello.txt, then check the files you sent.",
      "Done: hello.txt is written.",
    ]);
    expect(await view.locator(".run-id").textContent()).toMatch(/^run_/);
    expect(await view.locator(".run-meta").textContent()).toBe(
      "claude-haiku-4-5 · anthropic · local sandbox",
    );
  });

  it("folds thinking and tool calls, marks the failed call, and shows the result", async () => {
    const view = page.locator("#playground-output");
    const thinking = view.locator("details.thinking");
    expect(await thinking.getAttribute("open")).toBeNull();
    expect(await thinking.textContent()).toContain("The user wants a greeting file.");

    const tools = view.locator("details.tool");
    expect(await tools.count()).toBe(2);
    const [write, bash] = [tools.nth(0), tools.nth(1)];
    expect(await write.getAttribute("open")).toBeNull();
    expect(await write.getAttribute("data-state")).toBe("ok");
    expect(await write.locator(".tool-preview").textContent()).toBe("hello.txt");
    expect(await bash.getAttribute("data-state")).toBe("error");
    await bash.locator("summary").click();
    expect(await bash.locator(".tool-input").textContent()).toContain("cat notes.txt");
    const result = (await bash.locator(".tool-result").textContent()) ?? "";
    // the picked files reached the sandbox: the text one as text, the binary one byte for byte
    expect(result).toContain("notes from the browser");
    expect(result).toMatch(/^4$/m);
    expect(result).toContain("missing.txt");

    const summary = view.locator("section.result");
    const facts = Object.fromEntries(
      await summary
        .locator("dl > div")
        .evaluateAll((rows) =>
          rows.map((r) => [r.querySelector("dt")?.textContent, r.querySelector("dd")?.textContent]),
        ),
    );
    expect(facts).toMatchObject({
      Outcome: "success",
      Turns: "2",
      "Input tokens": "2.7k",
      "Output tokens": "190",
      Model: "claude-haiku-4-5",
    });
    expect(facts.Cost).toMatch(/^\$0\.\d+$/);

    const steps = view.locator(".timeline .step");
    const kinds = await steps.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
    expect(kinds).toEqual(
      expect.arrayContaining(["sandbox", "thinking", "text", "tool", "result"]),
    );
    expect(await view.locator(".step[data-kind='tool'][data-state='error']").count()).toBe(1);
    expect(await steps.first().locator(".step-time").textContent()).toMatch(/^\+\d/);
    await shot("03-playground-run");
  });

  it("offers the files the run wrote as downloads", async () => {
    const view = page.locator("#playground-output");
    const paths = await view.locator(".artifact-path").allTextContents();
    expect(paths.sort()).toEqual(["blob.bin", "hello.txt"]);
    const [text] = await Promise.all([
      page.waitForEvent("download"),
      view.getByRole("link", { name: "Download hello.txt" }).click(),
    ]);
    expect(text.suggestedFilename()).toBe("hello.txt");
    expect(await readFile(await text.path(), "utf8")).toBe("hello from the console\n");
    const [binary] = await Promise.all([
      page.waitForEvent("download"),
      view.getByRole("link", { name: "Download blob.bin" }).click(),
    ]);
    expect([...(await readFile(await binary.path()))]).toEqual([0, 1, 255]);
  });

  it("shows a refused request's code and the fields at fault", async () => {
    await page.getByText("More options").click();
    await page.getByLabel("Timeout (s)").fill("1");
    await page.getByRole("button", { name: "Run" }).click();
    const callout = page.locator("#playground-output .callout.error");
    await callout.waitFor();
    expect(await callout.locator("strong").textContent()).toBe("Error · INVALID_REQUEST");
    expect(await callout.locator("li code").allTextContents()).toEqual(["timeout"]);
    expect(await page.locator("#playground-output .pill").textContent()).toBe("refused");
    await shot("04-playground-refused");
    await page.getByLabel("Timeout (s)").fill("");
  });

  it("cancels a running run", async () => {
    await page.getByLabel("Prompt").fill("This one will be cancelled");
    await page.getByLabel("Files for the workspace").setInputFiles([]);
    await page.getByRole("button", { name: "Run" }).click();
    const view = page.locator("#playground-output");
    await view.locator(".pill[data-status='running']").waitFor();
    await view.locator(".step[data-kind='sandbox'][data-state='ok']").waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: "Cancel" }).click();
    await view.locator(".pill[data-status='cancelled']").waitFor({ timeout: 15_000 });
    expect(await view.locator(".callout.error strong").textContent()).toBe("Error · CANCELLED");
    await expect.poll(() => page.getByRole("button", { name: "Run" }).isEnabled()).toBe(true);
    await shot("05-playground-cancelled");
  });

  it("lists the runs with their status, and filters them", async () => {
    await page.getByRole("link", { name: "Runs" }).click();
    const rows = page.locator("#runs-rows tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).locator(".pill").textContent()).toBe("cancelled");
    expect(await rows.nth(1).locator(".pill").textContent()).toBe("completed");
    expect(await rows.nth(1).textContent()).toContain("claude-haiku-4-5");
    await shot("06-runs");
    await page.getByLabel("Status").selectOption("error");
    await page.getByText("No error runs.").waitFor();
    await page.getByLabel("Status").selectOption("completed");
    await expect.poll(() => rows.count()).toBe(1);
  });

  it("opens a run and replays its events with the same renderer", async () => {
    await page.locator("#runs-rows tr").first().click();
    await page.waitForURL(/#\/runs\/run_/);
    const detail = page.locator("#run-detail");
    await detail.locator(".record .pill[data-status='completed']").waitFor();
    await detail.locator(".run-view section.result").waitFor();
    expect(await detail.locator(".assistant-text").last().textContent()).toBe(
      "Done: hello.txt is written.",
    );
    expect(await detail.locator("details.tool").count()).toBe(2);
    expect(await detail.locator(".artifact-path").count()).toBe(2);
    // a replay has no timings: its steps carry their event ids
    expect(await detail.locator(".timeline .step-time").first().textContent()).toMatch(/^#\d+$/);
    await shot("07-run-detail");
  });

  it("stays usable on a phone and in dark mode", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await shot("08-run-detail-phone");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole("link", { name: "Playground" }).click();
    await shot("09-playground-dark");
    expect(problems).toEqual([]);
  });
});
