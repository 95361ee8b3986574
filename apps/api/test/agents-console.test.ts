// The console's Agents page in headless Chromium against a real server with custom agents on
// docker (examples/echo-agent): a deploy's status turning from building to active by itself, the
// versions, the invoke box streaming the agent's stdout as text (markup in it stays text), a
// failing agent's AGENT_FAILED, and the rollback button. Screenshots go to test-artifacts/console.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createAgentServices, createRunStore } from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { pino } from "pino";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TEST_IMAGE, type TestServer } from "./harness.js";
import { shouldRunDocker } from "./leftovers.js";
import { buildNpmBaseImage, docker, removeTemplateImages } from "./template-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present && process.env.SANDCASTER_REQUIRE_CHROMIUM === "1") {
  throw new Error(
    `SANDCASTER_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing (apt-get install chromium)`,
  );
}
const enabled = present && (await shouldRunDocker());
const SHOTS = new URL("../test-artifacts/console/", import.meta.url);
const EXAMPLE = fileURLToPath(new URL("../../../examples/echo-agent", import.meta.url));
const run = promisify(execFile);

async function exampleArchive(): Promise<string> {
  const { stdout } = await run(
    "tar",
    ["-C", EXAMPLE, "--exclude=./deps", "--exclude=./node_modules", "-cf", "-", "."],
    { encoding: "buffer", maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout.toString("base64");
}

async function deploy(url: string): Promise<void> {
  const response = await fetch(`${url}/agents`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      manifest: { name: "echo-agent", entrypoint: "node index.js", secrets: ["EXAMPLE_TOKEN"] },
      archive: await exampleArchive(),
    }),
  });
  expect(response.status).toBe(202);
}

describe.skipIf(!enabled)("console Agents page in Chromium (docker)", () => {
  let dir: string;
  let npmImage: string;
  let services: ReturnType<typeof createAgentServices> | undefined;
  let agentStore: ReturnType<typeof createRunStore> | undefined;
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const foreign: string[] = [];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), "sandcaster-agents-console-"));
    npmImage = await buildNpmBaseImage(TEST_IMAGE);
    const storePath = join(dir, "runs.db");
    // The agents live in the server's database: a second handle on the same SQLite file.
    agentStore = createRunStore({ sqlitePath: storePath });
    await agentStore.migrate();
    const input = {
      config: SandcasterConfigSchema.parse({
        sandboxProvider: "docker",
        docker: { image: TEST_IMAGE },
      }),
      env: {
        SANDCASTER_DOCKER_IMAGE: npmImage,
        SANDCASTER_SECRETS_KEY: randomBytes(32).toString("base64"),
        SANDCASTER_AGENT_POOL_SIZE: "0",
      },
      logger: pino({ level: "silent" }),
      store: agentStore,
    };
    services = createAgentServices(input);
    t = await startTestServer({
      sandbox: "docker",
      turns: [],
      storePath,
      appDeps: services.appDeps,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
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
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    const ids = services?.appDeps.templates.list().map((info) => info.id) ?? [];
    await services?.close();
    await agentStore?.close();
    await removeTemplateImages(ids);
    if (npmImage)
      await docker
        .getImage(npmImage)
        .remove({ force: true })
        .catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it("shows a deploy building, then active, without a click", async () => {
    await page.goto(`${t.url}/`);
    await page.getByRole("link", { name: "Agents" }).click();
    await page.waitForURL(/#\/agents$/);
    expect(await page.title()).toBe("Agents · Sandcaster");
    expect(await page.locator("#page-playground").isHidden()).toBe(true);
    await page.getByText("No agents yet").waitFor();
    await deploy(t.url);
    const row = page.locator("#agents-rows tr[data-agent='echo-agent']");
    await row.locator(".pill").waitFor({ timeout: 15_000 });
    await shot("agents-01-building");
    await expect
      .poll(() => row.locator(".pill").textContent(), { timeout: 300_000 })
      .toBe("active");
    expect(await row.textContent()).toContain("node index.js");
    await shot("agents-02-active");
  }, 360_000);

  it("invokes from the box: stdout streams in as text, markup stays text", async () => {
    await page.locator("#agents-rows tr[data-agent='echo-agent'] a").click();
    await page.waitForURL(/#\/agents\/echo-agent$/);
    await page.locator(".agent-versions tr[data-version='1']").waitFor();
    await page.getByLabel("Prompt (the agent's stdin)").fill("hello <b>world</b><img src=x>");
    await page.getByRole("button", { name: "Invoke" }).click();
    const stdout = page.locator(".agent-stdout");
    await expect
      .poll(() => stdout.textContent(), { timeout: 120_000 })
      .toBe("HELLO <B>WORLD</B><IMG SRC=X>!\n");
    // The agent's output was appended as text: no element was made from it.
    expect(await stdout.locator("*").count()).toBe(0);
    await page.locator(".agent-outcome .pill[data-status='completed']").waitFor();
    expect(await page.locator(".agent-outcome").textContent()).toMatch(/^exit 0 · [\d.]+ s$/);
    await shot("agents-03-invoked");

    await page.getByLabel("Prompt (the agent's stdin)").fill("fail here");
    await page.getByRole("button", { name: "Invoke" }).click();
    const callout = page.locator(".agent-outcome .callout.error");
    await callout.waitFor({ timeout: 120_000 });
    expect(await callout.locator("strong").textContent()).toBe("Error · AGENT_FAILED");
    expect(await page.locator(".agent-stderr").textContent()).toContain("asked to fail");
  }, 300_000);

  it("rolls back to an earlier version with its button", async () => {
    await deploy(t.url);
    const v2 = page.locator(".agent-versions tr[data-version='2']");
    await expect.poll(() => v2.locator(".pill").textContent(), { timeout: 300_000 }).toBe("active");
    await expect.poll(() => v2.locator("td").first().textContent()).toBe("v2 (in use)");
    await page.getByRole("button", { name: "Roll back to v1" }).click();
    const v1 = page.locator(".agent-versions tr[data-version='1'] td").first();
    await expect.poll(() => v1.textContent(), { timeout: 15_000 }).toBe("v1 (in use)");
    await shot("agents-04-rolled-back");
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 360_000);

  async function shot(name: string) {
    await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
  }
});
