// Branches and sub-agents in the console (headless Chromium, real server and runner): a run's
// page shows whose each message and tool call is (a tag per branch or sub-agent, as text), the
// winner with its reason and scores, the summary, and each branch as a bar in the timeline.
import { mkdir } from "node:fs/promises";
import { CHROMIUM_PATH, hasService } from "@sandcaster/testkit/services";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const CHROMIUM = CHROMIUM_PATH;
const present = hasService("chromium");
const SKIP_REASON = present
  ? ""
  : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;
const SHOTS = new URL("../test-artifacts/console/", import.meta.url);

let t: TestServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

const bash = (command: string) => ({ toolCalls: [{ name: "bash", input: { command } }] });

describe.skipIf(!present)(`branches and sub-agents in the console${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    t = await startTestServer({
      sandbox: "local",
      config: {
        agents: { reviewer: { description: "Reviews", systemPrompt: "You review." } },
      },
      turns: [
        // a branching run: two branches, then the judge
        bash("echo working"),
        bash("echo working"),
        { text: "an answer" },
        { text: "an answer" },
        {
          text: JSON.stringify({
            winnerId: "branch-1",
            reason: "branch-1 <b>explains</b> more",
            scores: { "branch-0": 0.4, "branch-1": 0.9 },
          }),
        },
        // a run with a sub-agent
        { toolCalls: [{ name: "task", input: { agent: "reviewer", prompt: "look" } }] },
        bash("echo reviewed"),
        { text: "REVIEW: fine" },
        { text: "all done" },
      ],
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("a branching run: tagged tool calls and messages, the choice with scores, the summary", async () => {
    const response = await postQuery(t.url, { prompt: "go", branching: { count: 2 } });
    const runId = response.headers.get("x-run-id") ?? "";
    expect((await readEvents(response)).at(-1)?.data.type).toBe("result");

    await page.goto(`${t.url}/#/runs/${runId}`);
    const selected = page.locator('.branch-event[data-type="branch_selected"]');
    await expect.poll(() => selected.count(), { timeout: 30_000 }).toBe(1);
    expect(await selected.locator("strong").textContent()).toBe("Selected branch-1");
    // The judge's reason is text, never markup.
    expect(await selected.locator(".branch-reason").textContent()).toBe(
      "branch-1 <b>explains</b> more",
    );
    expect(await selected.locator("b").count()).toBe(0);
    const rows = await selected.locator("tbody tr").allTextContents();
    expect(rows).toEqual(["branch-1 ★0.90", "branch-00.40"]);

    // Each branch's tool calls and answer carry its tag (which branch got which scripted turn
    // depends on their race; every tool call is a branch's).
    const toolTags = await page.locator("details.tool .event-tag").allTextContents();
    expect(toolTags).toHaveLength(2);
    for (const tag of toolTags) expect(tag).toMatch(/^branch-[01]$/);
    const textTags = await page.locator(".msg.assistant .event-tag").allTextContents();
    expect(textTags.sort()).toEqual(["branch-0", "branch-1"]);
    const starts = await page.locator('.branch-event[data-type="branch_start"]').allTextContents();
    expect(starts).toHaveLength(2);
    expect(starts[0]).toMatch(/^branch-\d started \(\d\/2\): \S+ via anthropic on local$/);
    const completes = page.locator('.branch-event[data-type="branch_complete"]');
    expect(await completes.count()).toBe(2);
    expect(await completes.first().getAttribute("data-state")).toBe("ok");
    expect(await page.locator('.branch-event[data-type="branch_summary"]').textContent()).toMatch(
      /^2\/2 branches succeeded · winner branch-1 · evaluator llm-judge · \$[\d.]+ in all/,
    );
    // No event of the run was shown as unknown.
    expect(await page.getByText("an event of a type this page does not know").count()).toBe(0);
    // The timeline has a step per branch, and the choice.
    const labels = await page.locator(".timeline .step-label").allTextContents();
    expect(labels).toEqual(
      expect.arrayContaining(["Branch branch-0", "Branch branch-1", "Selected branch-1"]),
    );
    await page.screenshot({ path: new URL("branches.png", SHOTS).pathname, fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);

  it("a sub-agent's note, tool call and answer carry its name; the run's own do not", async () => {
    const response = await postQuery(t.url, { prompt: "review" });
    const runId = response.headers.get("x-run-id") ?? "";
    expect((await readEvents(response)).at(-1)?.data).toMatchObject({ content: "all done" });

    await page.goto(`${t.url}/#/runs/${runId}`);
    const tools = page.locator("details.tool");
    await expect.poll(() => tools.count(), { timeout: 30_000 }).toBe(2);
    const reviewerTool = tools.filter({ has: page.locator('.event-tag[data-tag="reviewer"]') });
    expect(await reviewerTool.locator(".tool-name").textContent()).toBe("bash");
    expect(await tools.filter({ hasText: "task" }).locator(".event-tag").count()).toBe(0);
    const answer = page.locator(".msg.assistant", { hasText: "REVIEW: fine" });
    expect(await answer.locator(".event-tag").textContent()).toBe("reviewer");
    const own = page.locator(".msg.assistant", { hasText: "all done" });
    expect(await own.locator(".event-tag").count()).toBe(0);
    expect(
      await page
        .locator("p.note", { hasText: "sub-agent reviewer started" })
        .locator(".event-tag")
        .textContent(),
    ).toBe("reviewer");
    expect(problems).toEqual([]);
  }, 120_000);
});
