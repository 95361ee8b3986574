// The runner snapshot on real local sandboxes (src/runner-snapshot): built in the background, used
// by cold runs once ready, bound read-only (an agent's bash cannot change it, and a later run
// still boots from it), and a damaged or foreign blob only costs speed. No key is in it.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import {
  type ModelDouble,
  pidsWithCommandLine,
  type ScriptedTurn,
  startAnthropicDouble,
} from "@sandcaster/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkBwrap } from "../../src/providers/local/bwrap-host.js";
import { createLocalProvider, type LocalSandboxProvider } from "../../src/providers/local/index.js";
import type { LocalSandbox } from "../../src/providers/local/local-sandbox.js";
import { loadRunnerBundle } from "../../src/run/runner-bundle.js";
import { stagedFiles } from "../../src/run/stage-files.js";
import { SANDBOX_RUNNER_SNAPSHOT } from "../../src/runner-snapshot/index.js";
import { LIMITS, makeBaseDir, readText, signal } from "./helpers.js";

const status = await checkBwrap(undefined, process.execPath);
const REQUIRED = process.env.SANDCASTER_REQUIRE_BWRAP === "1";
if (!status.ok && !REQUIRED)
  console.log("skipping runner snapshot tests: bubblewrap not usable (apt-get install bubblewrap)");
/** Made per run, so no key-like value is committed and none can be in the blob by chance. */
const SECRET = `server-env-secret-${randomUUID()}`;

const sha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

// Unisolated runs (isolation "none") use it too, from its host path; they are the server's user,
// so only bwrap's read-only bind keeps an agent from writing it (the fingerprint still catches it).
describe.each([
  { isolation: "bwrap" as const, runs: status.ok || REQUIRED },
  { isolation: "none" as const, runs: true },
])("runner snapshot on local sandboxes ($isolation)", ({ isolation, runs }) => {
  if (!runs) return;
  let baseDir: string;
  let provider: LocalSandboxProvider;
  let double: ModelDouble | undefined;
  const sandboxes: LocalSandbox[] = [];

  beforeEach(async () => {
    baseDir = await makeBaseDir();
    // A key in the server's environment while the snapshot is built: it must not reach the blob.
    process.env.SANDCASTER_TEST_SERVER_KEY = SECRET;
    provider = createLocalProvider({
      isolation,
      baseDir,
      diskMb: 64,
      runnerSnapshot: true,
    });
  });
  afterEach(async () => {
    delete process.env.SANDCASTER_TEST_SERVER_KEY;
    await Promise.all(sandboxes.splice(0).map((sb) => sb.destroy()));
    await provider.runnerSnapshots?.settled();
    await double?.close();
    double = undefined;
    await rm(baseDir, { recursive: true, force: true });
  });

  /** One cold run of the real runner in a fresh sandbox; how it booted and what it printed. */
  async function coldRun(turns: ScriptedTurn[]) {
    await double?.close();
    double = await startAnthropicDouble({ turns });
    const sb = (await provider.create({
      runId: "snapshot",
      env: {},
      // The double is on the host's loopback: the sandbox shares the host's network here.
      limits: { ...LIMITS, network: "host" },
      signal: signal(),
    })) as LocalSandbox;
    sandboxes.push(sb);
    const config = {
      prompt: "go",
      cwd: sb.workspacePath,
      provider: "anthropic" as const,
      model: "haiku",
    };
    const files = stagedFiles(sb, await loadRunnerBundle(), config, []);
    await sb.writeFiles(files, signal());
    const [runner, configFile] = files;
    const proc = await sb.spawn({
      command: [sb.nodePath, runner?.path ?? "", "--config", configFile?.path ?? ""],
      env: {
        ANTHROPIC_API_KEY: "sk-ant-run-key",
        ANTHROPIC_BASE_URL: double.url,
        SANDCASTER_BOOT_TIMINGS: "1",
      },
      signal: signal(),
    });
    const [out, err, exit] = await Promise.all([
      readText(proc.stdout),
      readText(proc.stderr),
      proc.wait(),
    ]);
    const events = out
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const marks = err.split("\n").find((l) => l.startsWith("sandcaster-boot-timings "));
    const codeCache = marks
      ? (JSON.parse(marks.slice("sandcaster-boot-timings ".length)).codeCache as string)
      : undefined;
    expect(exit.exitCode, err).toBe(0);
    expect(events.at(-1)).toMatchObject({ type: "result", subtype: "success" });
    return { events, codeCache };
  }

  const answer: ScriptedTurn[] = [{ text: "done" }];
  const fromSnapshot = (codeCache: string | undefined) => codeCache?.startsWith("snapshot");

  async function readyBlob(): Promise<string> {
    // The first run starts the build and does not wait for it.
    const first = await coldRun(answer);
    expect(first.codeCache).toBe("accepted");
    await provider.runnerSnapshots?.settled();
    const blob = provider.runnerSnapshots?.current();
    if (!blob) throw new Error("no runner snapshot after its build");
    expect(fromSnapshot((await coldRun(answer)).codeCache)).toBe(true);
    return blob;
  }

  it.runIf(isolation === "bwrap")(
    "cannot be changed from inside a sandbox, and later runs still boot from it",
    async () => {
      const blob = await readyBlob();
      const before = await sha256(blob);
      const attack = [
        `head -c 4 ${SANDBOX_RUNNER_SNAPSHOT} >/dev/null && echo READABLE`,
        `echo x >> ${SANDBOX_RUNNER_SNAPSHOT} && echo APPENDED`,
        `printf garbage > ${SANDBOX_RUNNER_SNAPSHOT} && echo OVERWRITTEN`,
        `rm -f ${SANDBOX_RUNNER_SNAPSHOT}; mv ${SANDBOX_RUNNER_SNAPSHOT} /tmp/b && echo MOVED`,
        "true",
      ].join("; ");
      const { events, codeCache } = await coldRun([
        { toolCalls: [{ name: "bash", input: { command: attack } }] },
        { text: "tried" },
      ]);
      expect(fromSnapshot(codeCache)).toBe(true);
      const result = events.find((e) => e.type === "tool_result");
      expect(result?.content).toContain("READABLE");
      for (const word of ["APPENDED", "OVERWRITTEN", "MOVED"])
        expect(result?.content).not.toContain(word);
      expect(await sha256(blob)).toBe(before);
      expect(provider.runnerSnapshots?.current()).toBe(blob);
      expect(fromSnapshot((await coldRun(answer)).codeCache)).toBe(true);
    },
  );

  it("holds no key of the server's environment", async () => {
    const blob = await readyBlob();
    const bytes = await readFile(blob);
    expect(bytes.includes(SECRET)).toBe(false);
    expect(bytes.includes("SANDCASTER_TEST_SERVER_KEY")).toBe(false);
  });

  it.each([
    ["damaged", (blob: string) => writeFile(blob, "damaged", { flag: "a" })],
    [
      "foreign",
      // Another valid file in its place (here: a copy of the blob itself, a new inode).
      async (blob: string) => {
        await writeFile(`${blob}.other`, await readFile(blob));
        await rename(`${blob}.other`, blob);
      },
    ],
  ])("a %s blob only costs speed, and a new one is built", async (_, spoil) => {
    const blob = await readyBlob();
    await spoil(blob);
    // The run goes without it (Node would abort on a damaged blob) and still answers.
    expect((await coldRun(answer)).codeCache).toBe("accepted");
    await provider.runnerSnapshots?.settled();
    const next = provider.runnerSnapshots?.current();
    expect(next).toBeDefined();
    expect(next).not.toBe(blob);
    expect(fromSnapshot((await coldRun(answer)).codeCache)).toBe(true);
  });

  it("close() removes the snapshot's dir; later runs go without it", async () => {
    const blob = await readyBlob();
    await provider.close();
    expect(await exists(dirname(blob))).toBe(false);
    expect(provider.runnerSnapshots?.current()).toBeUndefined();
    // No new build starts on a closed provider: the run boots from runner.mjs alone.
    expect((await coldRun(answer)).codeCache).toBe("accepted");
    await provider.runnerSnapshots?.settled();
    expect(await snapshotDirs(baseDir)).toEqual([]);
  });

  it("close() during a build kills the builder and leaves nothing", async () => {
    const said: string[] = [];
    const logger = { info: (_: object, msg: string) => said.push(msg), warn: () => undefined };
    const building = createLocalProvider({ isolation, baseDir, runnerSnapshot: true, logger });
    building.runnerSnapshots?.start();
    // The builder is a `node --build-snapshot` of this test's temp dir (its entry file is there).
    const builders = () => pidsWithCommandLine(["--build-snapshot", tmpdir()]);
    await until(async () => (await builders()).length > 0, 60_000);
    await building.close();
    // Killed, not waited for: a finished build would have said so.
    expect(said).not.toContain("runner snapshot ready");
    expect(await builders()).toEqual([]);
    expect(await snapshotDirs(baseDir)).toEqual([]);
    expect(
      (await readdir(tmpdir())).filter((name) => name.startsWith("sandcaster-snapshot-")),
    ).toEqual([]);
  });
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function snapshotDirs(baseDir: string): Promise<string[]> {
  return (await readdir(baseDir)).filter((name) => name.includes("runner-snapshot-"));
}

async function until(check: () => Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
