// The E2B provider's helper shell scripts, run with the host's bash in a stand-in home dir.
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  execLine,
  killerScript,
  parseScan,
  scanScript,
  setupScript,
  shellQuote,
  stageScript,
  strayKillerScript,
} from "../../src/providers/e2b/shell.js";

const WS = "/home/user/workspace";
let home: string;
const bash = (script: string) =>
  execFileSync("bash", ["-c", script], { cwd: home, encoding: "utf8" });
const scan = () =>
  parseScan(bash(scanScript(WS)))
    .map((row) => row.path)
    .sort();

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "e2b-shell-"));
  bash(setupScript([WS, "/home/user/.sandcaster"]));
});
afterEach(() => rm(home, { recursive: true, force: true }));

describe("e2b helper scripts", () => {
  it("quotes argv so that bash passes every byte through", () => {
    const args = ["it's", "a b", "$HOME", "`x`", "\\n", "é"];
    const out = bash(`${execLine(["printf", "%s\\n", ...args])}`);
    expect(out).toBe(`${args.join("\n")}\n`);
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
    expect(() => execLine([])).toThrow(/non-empty/);
  });

  it("lists only files changed after staging, with sizes, and applies modes", async () => {
    await writeFile(join(home, "workspace/kept.txt"), "kept");
    await mkdir(join(home, "workspace/d e"), { recursive: true });
    await writeFile(join(home, "workspace/d e/tool.sh"), "#!/bin/sh\n");
    bash(stageScript(new Map([[0o755, [`${WS}/d e/tool.sh`]]])));
    expect((await stat(join(home, "workspace/d e/tool.sh"))).mode & 0o777).toBe(0o755);
    expect(scan()).toEqual([]);
    await writeFile(join(home, "workspace/d e/tool.sh"), "changed");
    await writeFile(join(home, "workspace/new\nline.bin"), Buffer.from([0, 1, 2]));
    expect(scan()).toEqual(["d e/tool.sh", "new\nline.bin"]);
    expect(parseScan(bash(scanScript(WS))).find((r) => r.path === "new\nline.bin")?.size).toBe(3);
  });

  it("lists every file when the marker is gone", async () => {
    await writeFile(join(home, "workspace/a"), "a");
    bash(stageScript(new Map()));
    await rm(join(home, ".sandcaster-state/staged"));
    expect(scan()).toEqual(["a"]);
  });

  it("kills every process carrying the mark, even outside the process group", async () => {
    const pidFile = join(home, "pids");
    const child = spawn(
      "bash",
      ["-c", `setsid sleep 300 & echo $! > ${shellQuote(pidFile)}; sleep 300 & wait`],
      { env: { ...process.env, SANDCASTER_PROC: "feedface" }, stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await expect
      .poll(() => readFile(pidFile, "utf8").catch(() => ""), { timeout: 5_000 })
      .toMatch(/\d/);
    const escaped = Number(await readFile(pidFile, "utf8"));
    bash(killerScript("feedface"));
    await exited;
    await expect
      .poll(() => {
        try {
          return !/^\S+ \(.*\) [ZX] /.test(
            execFileSync("cat", [`/proc/${escaped}/stat`]).toString(),
          );
        } catch {
          return false;
        }
      })
      .toBe(false);
  });

  it("kills the strays of one sandbox only (marks start with its id)", async () => {
    const start = (mark: string) => {
      const child = spawn("sleep", ["300"], {
        env: { ...process.env, SANDCASTER_PROC: mark },
        stdio: "ignore",
      });
      return { child, exited: new Promise((resolve) => child.once("exit", resolve)) };
    };
    const mine = start("sbxmine.0123");
    const theirs = start("sbxmine2.0123");
    try {
      bash(strayKillerScript("sbxmine."));
      expect(await mine.exited).toBeNull();
      expect(theirs.child.exitCode).toBeNull();
      expect(theirs.child.signalCode).toBeNull();
    } finally {
      theirs.child.kill("SIGKILL");
      mine.child.kill("SIGKILL");
    }
  });
});
