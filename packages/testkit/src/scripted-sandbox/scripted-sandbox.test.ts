// The scripted sandbox keeps the provider contract: live output, wait/kill/abort/destroy, no leaks.

import type { CreateSandboxOptions } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import {
  createScriptedSandboxProvider,
  floodRunLines,
  heldRunLines,
  type ScriptedLine,
  type ScriptedSpawnContext,
  typicalRunLines,
} from "./index.js";

const createOptions = (signal = new AbortController().signal): CreateSandboxOptions => ({
  runId: "run_1",
  env: {},
  limits: { memoryMb: 512, cpus: 1, pids: 64, timeoutMs: 60_000, network: "none" },
  signal,
});

async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

const spawnOptions = (signal = new AbortController().signal) => ({
  command: [
    "node",
    "/opt/sandcaster-runner/runner.mjs",
    "--config",
    "/opt/sandcaster-runner/config.json",
  ],
  env: { ANTHROPIC_API_KEY: "k" },
  signal,
});

describe("scripted sandbox provider", () => {
  it("replays the script as stdout lines with its delays, exits 0 and counts sandboxes", async () => {
    const script: ScriptedLine[] = [
      { delayMs: 0, line: "a" },
      { delayMs: 60, line: "b" },
      { delayMs: 0, line: "c" },
    ];
    const provider = createScriptedSandboxProvider({ lines: () => script });
    expect(provider.name).toBe("local");
    expect(await provider.isAvailable()).toBe(true);
    const sandbox = await provider.create(createOptions());
    expect(provider.alive()).toBe(1);
    const child = await sandbox.spawn(spawnOptions());
    const started = performance.now();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("a\n");
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toBe("b\nc\n");
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    expect(await child.wait()).toEqual({ exitCode: 0 });
    expect(await readText(child.stderr)).toBe("");
    expect(
      await sandbox.readChangedFiles(
        { maxFileBytes: 1, maxTotalBytes: 1, maxFiles: 1 },
        new AbortController().signal,
      ),
    ).toEqual({ files: [], skipped: [] });
    await sandbox.destroy();
    await sandbox.destroy();
    expect(provider.stats()).toMatchObject({ created: 1, destroyed: 1, alive: 0, running: 0 });
  });

  it("streams a large flood completely, in order, in pipe-sized chunks", async () => {
    const provider = createScriptedSandboxProvider({ lines: () => floodRunLines(20_000) });
    const sandbox = await provider.create(createOptions());
    const child = await sandbox.spawn(spawnOptions());
    let chunks = 0;
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      chunks++;
      text += decoder.decode(chunk, { stream: true });
    }
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(20_002);
    expect(JSON.parse(lines[0] ?? "").subtype).toBe("agent_start");
    expect(JSON.parse(lines[20_001] ?? "").type).toBe("result");
    expect(chunks).toBeLessThan(100);
    await sandbox.destroy();
  });

  it("delivers each line of an async script as soon as it is produced", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const provider = createScriptedSandboxProvider({
      lines: async function* () {
        yield { delayMs: 0, line: "first" };
        await gate;
        yield { delayMs: 0, line: "second" };
      },
    });
    const sandbox = await provider.create(createOptions());
    const child = await sandbox.spawn(spawnOptions());
    const reader = child.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first\n");
    release();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("second\n");
    expect((await reader.read()).done).toBe(true);
    expect(await child.wait()).toEqual({ exitCode: 0 });
    await sandbox.destroy();
  });

  it("kill() ends both streams at once and wait() reports the signal", async () => {
    const provider = createScriptedSandboxProvider({ lines: () => heldRunLines(60_000) });
    const sandbox = await provider.create(createOptions());
    const child = await sandbox.spawn(spawnOptions());
    const out = readText(child.stdout);
    await new Promise((r) => setTimeout(r, 20));
    expect(provider.running()).toBe(1);
    await child.kill();
    await child.kill();
    expect(await child.wait()).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(JSON.parse((await out).trim()).subtype).toBe("agent_start");
    expect(await readText(child.stderr)).toBe("");
    expect(provider.running()).toBe(0);
    await sandbox.destroy();
    expect(provider.stats()).toMatchObject({ alive: 0, killed: 1 });
  });

  it("the spawn signal kills the process; destroy() kills what still runs", async () => {
    const provider = createScriptedSandboxProvider({ lines: () => heldRunLines(60_000) });
    const sandbox = await provider.create(createOptions());
    const abort = new AbortController();
    const first = await sandbox.spawn(spawnOptions(abort.signal));
    const second = await sandbox.spawn(spawnOptions());
    expect(provider.running()).toBe(2);
    abort.abort(new Error("client left"));
    expect((await first.wait()).signal).toBe("SIGKILL");
    expect(provider.running()).toBe(1);
    await sandbox.destroy();
    expect((await second.wait()).signal).toBe("SIGKILL");
    expect(sandbox.state).toBe("stopped");
    await expect(sandbox.spawn(spawnOptions())).rejects.toThrow(/stopped/);
    expect(provider.stats()).toMatchObject({ alive: 0, running: 0, spawned: 2 });
  });

  it("a reader that cancels stdout ends the process (SIGPIPE)", async () => {
    const provider = createScriptedSandboxProvider({ lines: () => floodRunLines(1_000_000) });
    const sandbox = await provider.create(createOptions());
    const child = await sandbox.spawn(spawnOptions());
    const reader = child.stdout.getReader();
    await reader.read();
    await reader.cancel();
    expect(await child.wait()).toEqual({ exitCode: null, signal: "SIGPIPE" });
    await sandbox.destroy();
    expect(provider.running()).toBe(0);
  });

  it("create() waits createDelayMs and honours its abort signal, leaving nothing", async () => {
    const provider = createScriptedSandboxProvider({ lines: () => [], createDelayMs: 5_000 });
    const abort = new AbortController();
    const creating = provider.create(createOptions(abort.signal));
    setTimeout(() => abort.abort(new Error("cancelled")), 10);
    await expect(creating).rejects.toThrow("cancelled");
    expect(provider.alive()).toBe(0);
  });

  it("hands the script the run id, env and the staged runner config", async () => {
    const seen: ScriptedSpawnContext[] = [];
    const provider = createScriptedSandboxProvider({
      name: "docker",
      lines: (_runId, context) => {
        seen.push(context);
        return typicalRunLines({ durationMs: 0 });
      },
    });
    const sandbox = await provider.create(createOptions());
    expect(sandbox.provider).toBe("docker");
    await sandbox.writeFiles(
      [
        {
          path: "/opt/sandcaster-runner/config.json",
          content: new TextEncoder().encode(JSON.stringify({ prompt: "hi" })),
        },
      ],
      new AbortController().signal,
    );
    const child = await sandbox.spawn(spawnOptions());
    const lines = (await readText(child.stdout)).trimEnd().split("\n");
    expect(lines).toHaveLength(19);
    expect(lines.map((line) => JSON.parse(line).type)).toContain("tool_use");
    expect(seen[0]).toMatchObject({
      runId: "run_1",
      env: { ANTHROPIC_API_KEY: "k" },
      runnerConfig: { prompt: "hi" },
    });
    await sandbox.destroy();
  });

  it("a script that throws is a crashing runner: stderr, exit code 1", async () => {
    const provider = createScriptedSandboxProvider({
      lines: function* () {
        yield { delayMs: 0, line: "first" };
        throw new Error("boom");
      },
    });
    const sandbox = await provider.create(createOptions());
    const child = await sandbox.spawn(spawnOptions());
    const [out, err] = await Promise.all([readText(child.stdout), readText(child.stderr)]);
    expect(out).toBe("first\n");
    expect(err).toBe("scripted sandbox: boom\n");
    expect(await child.wait()).toEqual({ exitCode: 1 });
    await sandbox.destroy();
    expect(provider.stats()).toMatchObject({ alive: 0, running: 0 });
  });
});
