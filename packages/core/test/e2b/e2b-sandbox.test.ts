// E2B sandbox against the loopback E2B double: staging, live output, kill, changed files, loss.

import { hasService } from "@sandcaster/testkit/services";
import { describe, expect, it } from "vitest";
import { codeOf, never, readAll, run, sh, text, useDouble } from "./helpers.js";

const limits = { maxFileBytes: 4096, maxTotalBytes: 1_000_000, maxFiles: 100 };
const WS = "/home/user/workspace";

// The double runs every command (the provider's too) under bubblewrap.
describe.runIf(hasService("bwrap"))("e2b sandbox (loopback double)", () => {
  const t = useDouble();

  it("stages files (modes, parents, runner dir) and streams output live", async () => {
    const sandbox = await t.create();
    await sandbox.writeFiles(
      [
        { path: `${WS}/deep/er/tool.sh`, content: text("#!/bin/sh\necho tool ran\n"), mode: 0o755 },
        { path: `${sandbox.runnerDir}/config.json`, content: text('{"ok":true}') },
      ],
      never,
    );
    expect((await run(sandbox, "./deep/er/tool.sh; cat ../.sandcaster/config.json")).stdout).toBe(
      'tool ran\n{"ok":true}',
    );
    await expect(
      sandbox.writeFiles([{ path: "/etc/passwd", content: text("x") }], never),
    ).rejects.toMatchObject({ code: "SANDBOX_IO_FAILED" });

    const proc = await sh(
      sandbox,
      "echo first; while [ ! -e go ]; do sleep 0.05; done; echo second; exit 3",
    );
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("first\n");
    let settled = false;
    void proc.wait().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    expect(sandbox.state).toBe("running");
    await run(sandbox, "touch go");
    reader.releaseLock();
    expect(await readAll(proc.stdout)).toBe("second\n");
    expect(await proc.wait()).toEqual({ exitCode: 3 });
    expect(sandbox.state).toBe("ready");
  });

  it("reports exit codes, stderr and deaths by signal", async () => {
    const sandbox = await t.create();
    expect(await run(sandbox, "echo out; echo err >&2")).toMatchObject({
      exitCode: 0,
      stdout: "out\n",
      stderr: "err\n",
    });
    expect((await run(sandbox, "exit 7")).exitCode).toBe(7);
    expect(await run(sandbox, "kill -TERM $$")).toMatchObject({
      exitCode: null,
      signal: "SIGTERM",
    });
    const missing = await sandbox.spawn({
      command: ["no-such-binary-xyz"],
      env: {},
      signal: never,
    });
    expect((await missing.wait()).exitCode).toBe(127);
    expect(await codeOf(sandbox.spawn({ command: [], env: {}, signal: never }))).toBe(
      "SANDBOX_EXEC_FAILED",
    );
  });

  it("kills the whole process tree, even a child that left the group; kill is idempotent", async () => {
    const sandbox = await t.create();
    const proc = await sh(sandbox, "setsid sleep 300 & echo $!; sleep 300");
    const reader = proc.stdout.getReader();
    const escaped = Number(new TextDecoder().decode((await reader.read()).value).trim());
    expect(escaped).toBeGreaterThan(1);
    await Promise.all([proc.kill(), proc.kill()]);
    expect(await proc.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    await proc.kill();
    // Alive = exists and is not a zombie.
    const check = `s=$(cat /proc/${escaped}/stat 2>/dev/null) || exit 1; case "$s" in *") Z "*) exit 1;; esac`;
    expect((await run(sandbox, check)).exitCode).toBe(1);
  });

  it("kills a process when its signal aborts", async () => {
    const sandbox = await t.create();
    const controller = new AbortController();
    const proc = await sandbox.spawn({
      command: ["sleep", "300"],
      env: {},
      signal: controller.signal,
    });
    controller.abort();
    expect(await proc.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
  });

  it("reads files changed after the last staging, binary-safe, within the limits", async () => {
    const sandbox = await t.create();
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    await sandbox.writeFiles(
      [
        { path: `${WS}/untouched.txt`, content: text("same") },
        { path: `${WS}/edited.txt`, content: text("before") },
        { path: `${WS}/bytes.bin`, content: binary },
        { path: `${sandbox.runnerDir}/config.json`, content: text("{}") },
      ],
      never,
    );
    const made = await run(
      sandbox,
      "printf after > edited.txt; cp bytes.bin sub-copy.bin; mkdir -p a/b; printf x > a/b/c.txt;" +
        " head -c 5000 /dev/zero > big.bin; ln -s edited.txt link.txt; printf r > ../.sandcaster/out",
    );
    expect(made.exitCode).toBe(0);
    const changed = await sandbox.readChangedFiles(limits, never);
    expect(changed.files.map((f) => f.path)).toEqual(["a/b/c.txt", "edited.txt", "sub-copy.bin"]);
    expect(new TextDecoder().decode(changed.files[1]?.content)).toBe("after");
    expect(changed.files[2]?.content).toEqual(binary);
    expect(changed.skipped).toEqual([{ path: "big.bin", size: 5000, reason: "file_too_large" }]);

    const tight = await sandbox.readChangedFiles(
      { maxFileBytes: 4096, maxTotalBytes: 200, maxFiles: 1 },
      never,
    );
    expect(tight.files.map((f) => f.path)).toEqual(["a/b/c.txt"]);
    expect(tight.skipped.map((s) => [s.path, s.reason])).toEqual([
      ["big.bin", "file_too_large"],
      ["edited.txt", "too_many_files"],
      ["sub-copy.bin", "too_many_files"],
    ]);

    await sandbox.writeFiles([], never);
    expect(await sandbox.readChangedFiles(limits, never)).toEqual({ files: [], skipped: [] });
  });

  it("a sandbox lost mid-command ends the process; further use gives SANDBOX_LOST", async () => {
    const sandbox = await t.create();
    const proc = await sh(sandbox, "echo started; sleep 300");
    const reader = proc.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("started\n");
    reader.releaseLock();
    t.double.inject({ kind: "lose-sandbox", sandboxId: sandbox.id });
    expect(await codeOf(proc.wait())).toBe("SANDBOX_LOST");
    expect(await readAll(proc.stdout)).toBe("");
    expect(sandbox.state).toBe("failed");
    expect(await codeOf(sandbox.writeFiles([], never))).toBe("SANDBOX_LOST");
    expect(await codeOf(sandbox.readChangedFiles(limits, never))).toBe("SANDBOX_LOST");
    await sandbox.destroy();
    expect(sandbox.state).toBe("stopped");
  });

  it("an unnoticed loss surfaces as SANDBOX_LOST on the next call", async () => {
    const sandbox = await t.create();
    t.double.inject({ kind: "lose-sandbox", sandboxId: sandbox.id });
    expect(await codeOf(sandbox.writeFiles([{ path: `${WS}/a`, content: text("a") }], never))).toBe(
      "SANDBOX_LOST",
    );
    expect(await codeOf(run(sandbox, "true"))).toBe("SANDBOX_LOST");
  });
});
