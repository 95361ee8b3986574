// Drives the real `e2b` SDK against the double: lifecycle, files, commands, listing.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CommandExitError, Sandbox, TimeoutError } from "e2b";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasService } from "../services/index.js";
import { type E2BDouble, startE2BDouble } from "./index.js";

/** Commands run under bubblewrap in the double; without it these tests skip. */
const itRunsCommands = it.runIf(hasService("bwrap"));

let double: E2BDouble;
let opts: { apiKey: string; apiUrl: string; sandboxUrl: string };

beforeAll(async () => {
  double = await startE2BDouble();
  opts = { apiKey: double.apiKey, apiUrl: double.apiUrl, sandboxUrl: double.sandboxUrl };
});
afterAll(() => double.close());

/** Running and not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("E2B double with the real SDK", () => {
  itRunsCommands("creates a sandbox with metadata, envs and timeout, and kills it", async () => {
    const sandbox = await Sandbox.create({
      ...opts,
      metadata: { run: "r1", owner: "tests" },
      envs: { GREETING: "hello" },
      timeoutMs: 120_000,
    });
    const info = double.alive().find((s) => s.sandboxId === sandbox.sandboxId);
    expect(info?.metadata).toEqual({ run: "r1", owner: "tests" });
    expect(info?.envs).toEqual({ GREETING: "hello" });
    expect(info?.templateId).toBe("base");
    expect(info?.endAt.getTime()).toBeGreaterThan(Date.now() + 100_000);
    expect(double.requests).toContainEqual({ method: "POST", path: "/v2/sandboxes" });

    // Commands see the sandbox's own paths (a mount namespace maps them onto its temp dir).
    const result = await sandbox.commands.run(
      "echo $GREETING from $(pwd) && echo mine > /tmp/own.txt",
    );
    expect(result.stdout).toBe("hello from /home/user\n");
    expect(await readFile(join(info?.root ?? "?", "tmp/own.txt"), "utf8")).toBe("mine\n");
    expect(await readFile("/tmp/own.txt", "utf8").catch(() => "not on the host")).toBe(
      "not on the host",
    );

    const sdkInfo = await sandbox.getInfo();
    expect(sdkInfo.metadata).toEqual({ run: "r1", owner: "tests" });
    expect(await sandbox.isRunning()).toBe(true);

    expect(await sandbox.kill()).toBe(true);
    expect(double.alive().some((s) => s.sandboxId === sandbox.sandboxId)).toBe(false);
    expect(await Sandbox.kill(sandbox.sandboxId, opts)).toBe(false);
    expect(await sandbox.isRunning()).toBe(false);
  });

  it("refuses commands without bubblewrap instead of running them on the host", async () => {
    const stray = `/tmp/e2b-double-stray-${randomUUID()}.txt`;
    const before = process.env.SANDCASTER_TEST_HIDE;
    process.env.SANDCASTER_TEST_HIDE = "bwrap";
    try {
      const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
      await expect(sandbox.commands.run(`echo mine > ${stray}`)).rejects.toThrow(
        /only under bubblewrap \(apt-get install bubblewrap\)/,
      );
      expect(existsSync(stray)).toBe(false);
      await sandbox.kill();
    } finally {
      if (before === undefined) delete process.env.SANDCASTER_TEST_HIDE;
      else process.env.SANDCASTER_TEST_HIDE = before;
    }
  });

  it("round-trips binary bytes through files.write (batch) and files.read", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const written = await sandbox.files.write([
      { path: "/tmp/x/all.bin", data: bytes.buffer },
      { path: "notes/readme.txt", data: "héllo\n" },
    ]);
    expect(written.map((w) => w.path)).toEqual(["/tmp/x/all.bin", "/home/user/notes/readme.txt"]);

    const back = await sandbox.files.read("/tmp/x/all.bin", { format: "bytes" });
    expect([...back]).toEqual([...bytes]);
    expect(await sandbox.files.read("/home/user/notes/readme.txt")).toBe("héllo\n");
    const root = double.alive().find((s) => s.sandboxId === sandbox.sandboxId)?.root ?? "?";
    expect([...(await readFile(join(root, "tmp/x/all.bin")))]).toEqual([...bytes]);

    const listed = await sandbox.files.list("/tmp/x");
    expect(listed.map((e) => [e.name, e.type, e.size])).toEqual([["all.bin", "file", 256]]);
    expect(await sandbox.files.exists("/tmp/x/all.bin")).toBe(true);
    expect(await sandbox.files.exists("/tmp/x/none")).toBe(false);
    await expect(sandbox.files.read("/nope.txt")).rejects.toThrow(/does not exist/);
    await sandbox.kill();
  });

  itRunsCommands("streams stdout live, before the command exits", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const seen: { text: string; at: number }[] = [];
    const handle = await sandbox.commands.run("echo first; sleep 0.5; echo second", {
      background: true,
      onStdout: (text) => {
        seen.push({ text, at: Date.now() });
      },
    });
    const result = await handle.wait();
    const exitedAt = Date.now();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("first\nsecond\n");
    expect(seen[0]?.text).toBe("first\n");
    expect(exitedAt - (seen[0]?.at ?? exitedAt)).toBeGreaterThanOrEqual(400);
    await sandbox.kill();
  });

  itRunsCommands("reports exit codes and stderr, honours cwd, envs and user", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const stderr: string[] = [];
    const error = await sandbox.commands
      .run("echo oops >&2; exit 3", { onStderr: (t) => void stderr.push(t) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandExitError);
    expect((error as CommandExitError).exitCode).toBe(3);
    expect((error as CommandExitError).stderr).toBe("oops\n");
    expect((error as CommandExitError).error).toBe("exit status 3");
    expect(stderr.join("")).toBe("oops\n");

    await sandbox.files.makeDir("/work/dir");
    const ok = await sandbox.commands.run(
      'echo "$A" > out.txt; basename "$PWD"; whoami_=$USER; echo $whoami_',
      {
        cwd: "/work/dir",
        envs: { A: "from-env" },
        user: "root",
      },
    );
    expect(ok.stdout).toBe("dir\nroot\n");
    expect(await sandbox.files.read("/work/dir/out.txt")).toBe("from-env\n");
    await sandbox.kill();
  });

  itRunsCommands("enforces a command's timeoutMs by killing it", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const pids: number[] = [];
    const started = Date.now();
    const error = await sandbox.commands
      .run("echo $$; exec sleep 10", { timeoutMs: 600, onStdout: (t) => void pids.push(Number(t)) })
      .catch((e: unknown) => e);
    const pid = pids[0] ?? 0;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(pid).toBeGreaterThan(0);
    await until(() => !alive(pid));
    await sandbox.kill();
  });

  itRunsCommands("kills a whole process tree with handle.kill()", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const pids: number[] = [];
    const handle = await sandbox.commands.run("sleep 30 & echo $!; sleep 30 & echo $!; wait", {
      background: true,
      onStdout: (t) => void pids.push(...t.trim().split("\n").map(Number)),
    });
    await until(() => pids.length === 2);
    expect(pids.every(alive)).toBe(true);
    expect(await handle.kill()).toBe(true);
    const error = await handle.wait().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandExitError);
    expect((error as CommandExitError).exitCode).toBe(-1);
    expect((error as CommandExitError).error).toBe("signal: killed");
    await until(() => !pids.some(alive));
    expect(await sandbox.commands.kill(handle.pid)).toBe(false);
    await sandbox.kill();
  });

  itRunsCommands("kills running processes with the sandbox", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const pids: number[] = [];
    await sandbox.commands.run("sleep 30 & echo $!; wait", {
      background: true,
      onStdout: (t) => void pids.push(Number(t)),
    });
    await until(() => pids.length === 1);
    await sandbox.kill();
    await until(() => !pids.some(alive));
  });

  it("lists by metadata, page by page", async () => {
    const tag = `list-${Date.now()}`;
    const created = [];
    for (let i = 0; i < 3; i++) {
      created.push(
        await Sandbox.create({ ...opts, metadata: { tag, i: String(i) }, timeoutMs: 60_000 }),
      );
    }
    const other = await Sandbox.create({ ...opts, metadata: { tag: "other" }, timeoutMs: 60_000 });
    const paginator = Sandbox.list({ ...opts, query: { metadata: { tag } }, limit: 2 });
    const first = await paginator.nextItems();
    expect(first).toHaveLength(2);
    expect(paginator.hasNext).toBe(true);
    const second = await paginator.nextItems();
    expect(second).toHaveLength(1);
    expect(paginator.hasNext).toBe(false);
    const ids = [...first, ...second].map((s) => s.sandboxId).sort();
    expect(ids).toEqual(created.map((s) => s.sandboxId).sort());
    expect(first[0]?.metadata.tag).toBe(tag);

    const odd = Sandbox.list({ ...opts, query: { metadata: { tag, i: "1" } } });
    expect((await odd.nextItems()).map((s) => s.sandboxId)).toEqual([created[1]?.sandboxId]);
    for (const s of [...created, other]) await s.kill();
  });

  itRunsCommands("reconnects to a sandbox and to a running command", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const again = await Sandbox.connect(sandbox.sandboxId, opts);
    const handle = await again.commands.run("sleep 0.3; echo late; exit 4", { background: true });
    const listed = await sandbox.commands.list();
    expect(listed.map((p) => p.pid)).toContain(handle.pid);
    expect(listed.find((p) => p.pid === handle.pid)?.args).toEqual([
      "-l",
      "-c",
      "sleep 0.3; echo late; exit 4",
    ]);
    const late: string[] = [];
    const attached = await sandbox.commands.connect(handle.pid, {
      onStdout: (t) => void late.push(t),
    });
    const error = await attached.wait().catch((e: unknown) => e);
    expect((error as CommandExitError).exitCode).toBe(4);
    expect(late).toEqual(["late\n"]);
    await expect(sandbox.commands.connect(handle.pid)).rejects.toThrow(/not found/);
    await sandbox.kill();
  });

  itRunsCommands(
    "is reachable through E2B_API_URL, E2B_SANDBOX_URL and E2B_API_KEY alone",
    async () => {
      const vars = {
        E2B_API_URL: opts.apiUrl,
        E2B_SANDBOX_URL: opts.sandboxUrl,
        E2B_API_KEY: opts.apiKey,
      };
      const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
      Object.assign(process.env, vars);
      try {
        const sandbox = await Sandbox.create({ timeoutMs: 30_000 });
        expect((await sandbox.commands.run("echo ok")).stdout).toBe("ok\n");
        expect(await Sandbox.kill(sandbox.sandboxId)).toBe(true);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    },
  );
});
