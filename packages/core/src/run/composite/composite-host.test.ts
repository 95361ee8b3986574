// CompositeHost's own rules, with a counting fake provider: names, limits, providers, teardown.
import type { HostRequest } from "@sandcaster/protocol";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { Sandbox, SandboxProvider } from "../../sandbox/sandbox.js";
import { CompositeHost } from "./composite-host.js";
import { readHostLine } from "./host-lines.js";
import { workspacePath } from "./transfer-files.js";

function fakeProvider(name: "local" | "docker", delayMs = 0) {
  const made: { sandbox: Sandbox; destroyed: boolean }[] = [];
  const provider: SandboxProvider = {
    name,
    isAvailable: async () => true,
    async create() {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const entry = { destroyed: false, sandbox: undefined as unknown as Sandbox };
      entry.sandbox = {
        id: `${name}-${made.length + 1}`,
        provider: name,
        state: "ready",
        workspacePath: "/workspace",
        runnerDir: "/runner",
        nodePath: "node",
        notices: [],
        writeFiles: async () => {},
        spawn: async () => {
          throw new Error("not used");
        },
        readChangedFiles: async () => ({ files: [], skipped: [] }),
        destroy: async () => {
          entry.destroyed = true;
        },
      };
      made.push(entry);
      return entry.sandbox;
    },
  };
  return { provider, made };
}

function host(options: { maxSandboxes?: number; maxTotalSpawns?: number; delayMs?: number } = {}) {
  const local = fakeProvider("local", options.delayMs);
  const docker = fakeProvider("docker", options.delayMs);
  const primary: Sandbox = {
    id: "primary-1",
    provider: "local",
    state: "running",
    workspacePath: "/workspace",
    runnerDir: "/runner",
    nodePath: "node",
    notices: [],
    writeFiles: async () => {},
    spawn: async () => {
      throw new Error("not used");
    },
    readChangedFiles: async () => ({ files: [], skipped: [] }),
    destroy: async () => {},
  };
  const controller = new AbortController();
  const composite = new CompositeHost({
    runId: "run-1",
    plan: {
      maxSandboxes: options.maxSandboxes ?? 2,
      maxTotalSpawns: options.maxTotalSpawns ?? 3,
      allowedProviders: ["local", "docker"],
      maxTransferBytes: 1024,
    },
    primary,
    allowedProviders: ["local", "docker"],
    providerFor: async (name) => (name === "docker" ? docker.provider : local.provider),
    limits: { memoryMb: 256, cpus: 1, pids: 64, network: "none", timeoutMs: 60_000 },
    emit: () => {},
    redact: (text) => text,
    signal: controller.signal,
    deadline: Date.now() + 60_000,
    log: pino({ level: "silent" }),
  });
  return { composite, local, docker };
}

let ids = 0;
const spawn = (name: string, provider?: string): HostRequest => ({
  type: "sandcaster_host_request",
  id: `r${++ids}`,
  op: "spawn",
  name,
  ...(provider ? { provider } : {}),
});

describe("CompositeHost", () => {
  it("spawns on the allowed providers, refuses bad names, duplicates, and limits", async () => {
    const { composite, local, docker } = host();
    expect(await composite.handle(spawn("a"))).toMatchObject({
      ok: true,
      result: { name: "a", provider: "local" },
    });
    expect(await composite.handle(spawn("b", "docker"))).toMatchObject({ ok: true });
    expect(local.made).toHaveLength(1);
    expect(docker.made).toHaveLength(1);
    for (const [name, error] of [
      ["primary", "already exists"],
      ["a", "already exists"],
      ["Bad Name", "invalid sandbox name"],
      ["c", "at most 2 sandboxes at once"],
    ] as const) {
      expect(await composite.handle(spawn(name))).toMatchObject({
        ok: false,
        error: expect.stringContaining(error),
      });
    }
    expect(await composite.handle(spawn("c", "e2b"))).toMatchObject({
      ok: false,
      error: expect.stringContaining("not allowed"),
    });
    const kill = await composite.handle({
      type: "sandcaster_host_request",
      id: "k",
      op: "kill",
      name: "a",
    });
    expect(kill).toMatchObject({ ok: true });
    expect(local.made[0]?.destroyed).toBe(true);
    expect(await composite.handle(spawn("c"))).toMatchObject({ ok: true });
    // 3 spawns succeeded: the per-run total is reached even though a slot is free again.
    await composite.handle({ type: "sandcaster_host_request", id: "k2", op: "kill", name: "c" });
    expect(await composite.handle(spawn("d"))).toMatchObject({
      ok: false,
      error: expect.stringContaining("3 spawns per run"),
    });
    const primaryKill = await composite.handle({
      type: "sandcaster_host_request",
      id: "k3",
      op: "kill",
      name: "primary",
    });
    expect(primaryKill).toMatchObject({ ok: false });
  });

  it("parallel spawns cannot get past maxSandboxes together", async () => {
    const { composite } = host({ maxSandboxes: 2, maxTotalSpawns: 10, delayMs: 20 });
    const answers = await Promise.all(["a", "b", "c", "d"].map((n) => composite.handle(spawn(n))));
    expect(answers.filter((a) => a.ok)).toHaveLength(2);
  });

  it("destroyAll ends every secondary, also one still being created, and refuses more work", async () => {
    const { composite, local } = host({ delayMs: 50 });
    await composite.handle(spawn("a"));
    const late = composite.handle(spawn("b"));
    await composite.destroyAll();
    expect(await late).toMatchObject({ ok: false, error: expect.stringContaining("run is over") });
    expect(local.made.every((m) => m.destroyed)).toBe(true);
    expect(await composite.handle(spawn("c"))).toMatchObject({
      ok: false,
      error: "the run is over",
    });
  });
});

describe("host request lines", () => {
  it("recognises requests, reports invalid ones with their id, and ignores events", () => {
    expect(
      readHostLine('{"type":"assistant","content":"sandcaster_host_request"}'),
    ).toBeUndefined();
    expect(readHostLine('{"type":"sandcaster_host_request","id":"h1","op":"list"}')).toEqual({
      kind: "request",
      request: { type: "sandcaster_host_request", id: "h1", op: "list" },
    });
    expect(
      readHostLine('{"type":"sandcaster_host_request","id":"h2","op":"format_disk"}'),
    ).toMatchObject({
      kind: "invalid",
      id: "h2",
    });
  });
});

describe("workspace paths of transfer_files", () => {
  it("normalises relative paths and refuses absolute ones and ..", () => {
    expect(workspacePath("dir/./x.txt")).toBe("dir/x.txt");
    for (const bad of ["/etc/passwd", "../x", "a/../../x", ".", ""]) {
      expect(() => workspacePath(bad)).toThrow(/refused path/);
    }
  });
});
