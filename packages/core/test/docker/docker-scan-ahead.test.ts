// The changed-file scanner booted ahead (from a process's first output, or by a warm pool through
// prestart()): it lists what changed
// when it is told to, not when it booted, and a process in the sandbox cannot make it list early
// or garble the list (the sandbox then gets a fresh scan).
import { describe, expect, it } from "vitest";
import { dockerSandboxes } from "./docker-suite.js";
import { finish, nodeInContainer, probeDocker, suiteLabels } from "./docker-test-env.js";

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;
const LIMITS = { maxFileBytes: 1000, maxTotalBytes: 100_000, maxFiles: 10 };

/** In-sandbox JS: the pid of the waiting scanner (its argv ends with "wait"), polled for ≤ 30 s. */
const FIND_SCANNER = `
const fs = require("fs");
const scanner = () => fs.readdirSync("/proc").find((pid) => {
  try {
    const argv = fs.readFileSync("/proc/" + pid + "/cmdline", "latin1").split("\\0");
    return argv.includes("/tmp/.sandcaster/staged") && argv.at(-2) === "wait";
  } catch { return false; }
});
const waitForScanner = async () => {
  for (let i = 0; i < 1500; i++) {
    const pid = scanner();
    if (pid) return Number(pid);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no scanner waited");
};
`;

/** Runs `attack(pid)` against the waiting scanner, then writes late.txt; prints what it did. */
function agent(attack: string): string {
  return `${FIND_SCANNER}
console.log("up");
waitForScanner().then(async (pid) => {
  ${attack}
  await new Promise((r) => setTimeout(r, 300));
  fs.writeFileSync("/workspace/late.txt", "written after the scanner booted\\n");
  console.log("attacked " + pid);
});`;
}

describe.skipIf(!available)("docker changed files, scanned ahead (real daemon)", () => {
  const { create } = dockerSandboxes(labels);

  async function runAgent(attack: string) {
    const sandbox = await create();
    await sandbox.writeFiles([{ path: "/workspace/staged.txt", content: Buffer.from("x") }], never);
    const run = await finish(
      await sandbox.spawn({ command: ["node", "-e", agent(attack)], env: {}, signal: never }),
    );
    expect(run.status).toEqual({ exitCode: 0 });
    expect(run.stdout).toMatch(/^up\nattacked \d+\n$/);
    return sandbox;
  }

  it("lists the files changed up to when it is told to, not up to when it booted", async () => {
    const sandbox = await runAgent("");
    const changed = await sandbox.readChangedFiles(LIMITS, never);
    expect(changed.files.map((file) => file.path)).toEqual(["late.txt"]);
    // Told once, it is gone: nothing waits in the sandbox any more.
    const left = await nodeInContainer(
      sandbox.id,
      `${FIND_SCANNER} console.log(scanner() ?? "none");`,
    );
    expect(left.trim()).toBe("none");
  }, 120_000);

  it("prestart() resolves once a scanner waits in the sandbox, and it then lists the run's changes", async () => {
    // A sandbox whose runner will start by exec (none booted as it started): its end is scanned
    // by the scanner prestart() boots.
    const sandbox = await create({ runsRunner: false });
    // As a warm pool does, before anything of a run is in the sandbox.
    await sandbox.prestart?.();
    const waiting = await nodeInContainer(
      sandbox.id,
      `${FIND_SCANNER} console.log(scanner() ?? "none");`,
    );
    expect(waiting.trim()).toMatch(/^\d+$/);
    await sandbox.writeFiles([{ path: "/workspace/staged.txt", content: Buffer.from("x") }], never);
    const run = await finish(
      await sandbox.spawn({
        command: ["node", "-e", `require("fs").writeFileSync("/workspace/made.txt", "y")`],
        env: {},
        signal: never,
      }),
    );
    expect(run.status).toEqual({ exitCode: 0 });
    const changed = await sandbox.readChangedFiles(LIMITS, never);
    expect(changed.files.map((file) => file.path)).toEqual(["made.txt"]);
    const left = await nodeInContainer(
      sandbox.id,
      `${FIND_SCANNER} console.log(scanner() ?? "none");`,
    );
    expect(left.trim()).toBe("none");
  }, 120_000);

  it("prestart() boots no scanner beside a booted runner (its main process scans at the runner's exit)", async () => {
    const sandbox = await create();
    await sandbox.prestart?.();
    const waiting = await nodeInContainer(
      sandbox.id,
      `${FIND_SCANNER} console.log(scanner() ?? "none");`,
    );
    expect(waiting.trim()).toBe("none");
  }, 120_000);

  it("bytes written to its stdin by a sandbox process do not make it list early", async () => {
    const sandbox = await runAgent(
      `fs.writeFileSync("/proc/" + pid + "/fd/0", "scan now\\n".repeat(100));`,
    );
    const changed = await sandbox.readChangedFiles(LIMITS, never);
    expect(changed.files.map((file) => file.path)).toEqual(["late.txt"]);
  }, 120_000);

  it("a scanner killed by a sandbox process is replaced by a fresh scan", async () => {
    const sandbox = await runAgent(`process.kill(pid, "SIGKILL");`);
    const changed = await sandbox.readChangedFiles(LIMITS, never);
    expect(changed.files.map((file) => file.path)).toEqual(["late.txt"]);
  }, 120_000);

  it("a list forged into its output is not used (a fresh scan is)", async () => {
    const forged = JSON.stringify([["../../etc/passwd", 10]]);
    const sandbox = await runAgent(
      `fs.writeFileSync("/proc/" + pid + "/fd/1", ${JSON.stringify(forged)});`,
    );
    const changed = await sandbox.readChangedFiles(LIMITS, never);
    expect(changed.files.map((file) => file.path)).toEqual(["late.txt"]);
  }, 120_000);
});
