// Session workspaces on e2b against the loopback double: the workspace is a sandbox, paused between turns.
import { Readable } from "node:stream";
import type { SessionWorkspace } from "@sandcaster/protocol";
import { hasService } from "@sandcaster/testkit/services";
import { type ConnectionOpts, Sandbox as SdkSandbox } from "e2b";
import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import { bytesOf, streamOf } from "../workspace-archives.js";
import { codeOf, never, run, sandboxOptions, sh, text, useDouble } from "./helpers.js";

const limits = { maxFileBytes: 4096, maxTotalBytes: 1_000_000, maxFiles: 100 };
const BINARY = [0x61, 0x00, 0x62, 0xff, 0x0a, 0x80];
const decoder = new TextDecoder();

/** name → content of a tar's regular files ("dir/" for directories). */
async function tarEntries(
  source: Uint8Array | ReadableStream<Uint8Array>,
): Promise<Record<string, number[] | "dir">> {
  const archive = source instanceof Uint8Array ? source : await bytesOf(source);
  const out: Record<string, number[] | "dir"> = {};
  const extractor = extract();
  Readable.from([Buffer.from(archive)]).pipe(extractor);
  for await (const entry of extractor) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out[entry.header.name] = entry.header.type === "directory" ? "dir" : [...Buffer.concat(chunks)];
  }
  return out;
}

// The double runs every command (the provider's too) under bubblewrap.
describe.runIf(hasService("bwrap"))("e2b session workspaces (loopback double)", () => {
  const t = useDouble();
  const state = (ref: string) => t.double.alive().find((s) => s.sandboxId === ref)?.state;
  const turn = (workspace: SessionWorkspace, overrides = {}, provider = t.provider()) =>
    t.create(provider, { workspace, ...overrides });

  it("creates a paused sandbox labelled with the session, which pauses at its timeout", async () => {
    const ws = await t.provider().createWorkspace("sess-1", never);
    expect(ws).toEqual({ provider: "e2b", ref: expect.any(String) });
    const [info, ...others] = t.double.paused();
    expect(others).toEqual([]);
    expect(info).toMatchObject({
      sandboxId: ws.ref,
      templateId: "base",
      metadata: { sandcasterManaged: "true", sandcasterSessionId: "sess-1" },
      onTimeout: "pause",
    });
    expect(await codeOf(t.provider().createWorkspace("", never))).toBe("SANDBOX_CREATE_FAILED");
  });

  it("keeps files across turns; each turn sees only its own changes, env and network", async () => {
    const provider = t.provider();
    const ws = await provider.createWorkspace("sess-turns", never);

    const turn1 = await turn(ws, { runId: "run-1", env: { VISIBLE: "one" } }, provider);
    expect(turn1.id).toBe(ws.ref);
    expect(turn1.state).toBe("ready");
    expect(state(ws.ref)).toBe("running");
    await turn1.writeFiles(
      [
        { path: `${turn1.runnerDir}/runner.js`, content: text("// turn 1") },
        { path: `${turn1.workspacePath}/staged.txt`, content: text("staged") },
      ],
      never,
    );
    const bytes = BINARY.map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
    const first = await run(
      turn1,
      `printf '${bytes}' > data.bin; echo one > notes.txt; echo $VISIBLE`,
    );
    expect(first).toMatchObject({ exitCode: 0, stdout: "one\n" });
    const sleeper = await sh(turn1, "exec sleep 300");
    await turn1.destroy();
    expect(await sleeper.wait()).toMatchObject({ exitCode: null });
    expect(turn1.state).toBe("stopped");
    expect(t.double.paused().map((s) => s.sandboxId)).toEqual([ws.ref]);

    const turn2 = await turn(
      ws,
      { runId: "run-2", limits: { ...sandboxOptions().limits, network: "none" } },
      provider,
    );
    expect(t.double.alive()[0]?.allowInternetAccess).toBe(false);
    const look = await run(
      turn2,
      "od -An -tx1 data.bin; cat notes.txt; printenv VISIBLE || echo unset",
    );
    expect(look.stdout).toBe(" 61 00 62 ff 0a 80\none\nunset\n");
    // The runner dir starts empty each turn (each turn stages its own runner).
    expect((await run(turn2, "ls -A ../.sandcaster | wc -l")).stdout).toBe("0\n");
    await turn2.writeFiles(
      [{ path: `${turn2.runnerDir}/runner.js`, content: text("// 2") }],
      never,
    );
    await run(turn2, "echo two > notes.txt; mkdir -p sub; echo new > sub/new.txt");
    const changed = await turn2.readChangedFiles(limits, never);
    expect(changed.skipped).toEqual([]);
    expect(changed.files.map((f) => [f.path, decoder.decode(f.content)])).toEqual([
      ["notes.txt", "two\n"],
      ["sub/new.txt", "new\n"],
    ]);
    await turn2.destroy();
    expect(state(ws.ref)).toBe("paused");

    const turn3 = await turn(ws, { runId: "run-3" }, provider);
    expect(t.double.alive()[0]?.allowInternetAccess).toBe(true);
    expect((await turn3.readChangedFiles(limits, never)).files).toEqual([]);
  });

  it("gives each resumed turn its own egress policy, and clears it for a turn without one", async () => {
    const provider = t.provider();
    const ws = await provider.createWorkspace("sess-egress", never);
    const network = (id: string) => t.double.alive().find((s) => s.sandboxId === id)?.network;
    const policy = {
      egress: "allowlist" as const,
      allow: ["registry.npmjs.org", "*.example.org"],
      allowAddresses: [],
    };
    const narrow = await turn(ws, {
      runId: "run-egress-1",
      network: { policy, gatewayUrl: "https://sandcaster.example.com/gateway" },
    });
    expect(network(ws.ref)).toEqual({
      allowOut: ["sandcaster.example.com", "registry.npmjs.org", "*.example.org"],
      denyOut: ["0.0.0.0/0"],
    });
    await narrow.destroy();
    const open = await turn(ws, { runId: "run-egress-2" });
    // The update replaces every rule: the last turn's allow-list is not inherited.
    expect(network(ws.ref)).toBeUndefined();
    expect(t.double.alive().find((s) => s.sandboxId === ws.ref)?.allowInternetAccess).toBe(true);
    await open.destroy();
  });

  it("kills what a crashed server's turn left running when the next turn resumes", async () => {
    const ws = await t.provider().createWorkspace("sess-crash", never);
    const crashed = await turn(ws);
    const proc = await sh(crashed, "echo $$ > ../stray.pid; exec sleep 300");
    await expect.poll(async () => (await run(crashed, "cat ../stray.pid")).stdout).toMatch(/\d/);
    const pid = (await run(crashed, "cat ../stray.pid")).stdout.trim();
    // The server is gone: the dead-man switch pauses the sandbox with the stray frozen inside.
    const api: ConnectionOpts = { apiKey: t.double.apiKey, apiUrl: t.double.apiUrl };
    await SdkSandbox.pause(ws.ref, api);
    void proc.wait().catch(() => {});
    const next = await turn(ws, {}, t.provider());
    // Gone, or a zombie its parent has yet to reap.
    const alive = `grep -qv '^[0-9]* ([^)]*) Z' /proc/${pid}/stat 2>/dev/null && echo alive || echo gone`;
    await expect.poll(async () => (await run(next, alive)).stdout).toBe("gone\n");
  });

  it("exports and imports the workspace byte for byte, leaving both paused", async () => {
    const provider = t.provider();
    const ws = await provider.createWorkspace("sess-export", never);
    const turn1 = await turn(ws, {}, provider);
    await turn1.writeFiles(
      [
        { path: `${turn1.workspacePath}/bin/all.bin`, content: Uint8Array.from(BINARY) },
        { path: `${turn1.workspacePath}/tool.sh`, content: text("#!/bin/sh\n"), mode: 0o755 },
      ],
      never,
    );
    await run(
      turn1,
      "mkdir -p empty 'sp ace'; echo x > 'sp ace/f'; ln -s /etc link; ln tool.sh hard",
    );
    await turn1.destroy();

    const archive = await bytesOf(await provider.exportWorkspace(ws, never));
    expect(state(ws.ref)).toBe("paused");
    const entries = await tarEntries(archive);
    expect(entries).toEqual({
      "bin/": "dir",
      "bin/all.bin": BINARY,
      "empty/": "dir",
      "sp ace/": "dir",
      "sp ace/f": [...text("x\n")],
      "tool.sh": [...text("#!/bin/sh\n")],
      hard: [...text("#!/bin/sh\n")],
    });

    const copy = await provider.createWorkspace("sess-import", never);
    await provider.importWorkspace(copy, streamOf(archive), never);
    expect(
      t.double
        .paused()
        .map((s) => s.sandboxId)
        .sort(),
    ).toEqual([ws.ref, copy.ref].sort());
    expect(await tarEntries(await provider.exportWorkspace(copy, never))).toEqual(entries);
    const turn2 = await turn(copy, {}, provider);
    expect((await run(turn2, "test -x tool.sh && od -An -tx1 bin/all.bin")).stdout).toBe(
      " 61 00 62 ff 0a 80\n",
    );
    // Imported files are the workspace's starting point, not this turn's changes.
    expect((await turn2.readChangedFiles(limits, never)).files).toEqual([]);
  });

  it("import replaces the workspace, and refuses unsafe archives before touching it", async () => {
    const provider = t.provider();
    const ws = await provider.createWorkspace("sess-refuse", never);
    const source = await provider.createWorkspace("sess-src", never);
    const t1 = await turn(source, {}, provider);
    await run(t1, "echo only > only.txt");
    await t1.destroy();
    const t2 = await turn(ws, {}, provider);
    await run(t2, "echo old > old.txt");
    await t2.destroy();
    await provider.importWorkspace(ws, await provider.exportWorkspace(source, never), never);
    expect(state(source.ref)).toBe("paused");
    expect(Object.keys(await tarEntries(await provider.exportWorkspace(ws, never)))).toEqual([
      "only.txt",
    ]);

    const before = t.double.requests.length;
    const unsafe = Buffer.alloc(1024);
    unsafe.write("../escape.txt");
    unsafe.write("0000644\0", 100);
    unsafe.write("00000000000\0", 124);
    unsafe.write("        ", 148);
    unsafe.write("0", 156);
    unsafe.write("ustar\x0000", 257);
    let sum = 0;
    for (const byte of unsafe.subarray(0, 512)) sum += byte;
    unsafe.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    const error = await provider
      .importWorkspace(ws, streamOf(unsafe), never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "SANDBOX_INVALID_ARCHIVE",
      message: expect.stringMatching(/\.\./),
    });
    expect(t.double.requests.length).toBe(before);
    expect(await codeOf(provider.importWorkspace(ws, streamOf(text("not a tar")), never))).toBe(
      "SANDBOX_INVALID_ARCHIVE",
    );
  });

  it("deletes a workspace for good (idempotent); the next turn gets SANDBOX_LOST", async () => {
    const provider = t.provider();
    const ws = await provider.createWorkspace("sess-delete", never);
    await provider.deleteWorkspace(ws, never);
    await provider.deleteWorkspace(ws, never);
    expect(t.double.alive()).toEqual([]);
    const error = await provider.create(sandboxOptions({ workspace: ws })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "SANDBOX_LOST",
      message: expect.stringContaining(`session workspace (E2B sandbox ${ws.ref})`),
      hint: expect.any(String),
    });
    expect(await codeOf(provider.exportWorkspace(ws, never))).toBe("SANDBOX_LOST");
    expect(await codeOf(provider.importWorkspace(ws, streamOf(new Uint8Array(1024)), never))).toBe(
      "SANDBOX_LOST",
    );
  });

  it("a workspace killed at E2B gives SANDBOX_LOST on the next turn", async () => {
    const ws = await t.provider().createWorkspace("sess-lost", never);
    t.double.inject({ kind: "lose-sandbox", sandboxId: ws.ref });
    expect(await codeOf(turn(ws))).toBe("SANDBOX_LOST");
    expect(t.double.alive()).toEqual([]);
  });

  it("the orphan sweep spares session sandboxes, paused or in a turn", async () => {
    const provider = t.provider({ isRunActive: async () => false });
    const paused = await provider.createWorkspace("sess-paused", never);
    const busy = await provider.createWorkspace("sess-busy", never);
    await turn(busy, { runId: "run-over" }, provider);
    await t.create(provider, { runId: "run-dead" });
    expect(await provider.sweepOrphans()).toBe(1);
    expect(
      t.double
        .alive()
        .map((s) => [s.sandboxId, s.state])
        .sort(),
    ).toEqual(
      [
        [paused.ref, "paused"],
        [busy.ref, "running"],
      ].sort(),
    );
  });

  it("an export during a turn leaves the sandbox running; the turn's end pauses it", async () => {
    const provider = t.provider();
    const ws = await provider.createWorkspace("sess-busy", never);
    const live = await turn(ws, {}, provider);
    await run(live, "echo live > live.txt");
    expect(Object.keys(await tarEntries(await provider.exportWorkspace(ws, never)))).toEqual([
      "live.txt",
    ]);
    expect(state(ws.ref)).toBe("running");
    expect((await run(live, "cat live.txt")).stdout).toBe("live\n");
    await live.destroy();
    expect(state(ws.ref)).toBe("paused");
  });

  it("refuses a workspace of another provider, and leaves nothing behind when aborted", async () => {
    const provider = t.provider();
    const foreign = { provider: "docker", ref: "vol" } as const;
    expect(await codeOf(provider.create(sandboxOptions({ workspace: foreign })))).toBe(
      "SANDBOX_CREATE_FAILED",
    );
    expect(await codeOf(provider.exportWorkspace(foreign, never))).toBe("SANDBOX_IO_FAILED");
    const controller = new AbortController();
    const creating = provider.createWorkspace("sess-abort", controller.signal);
    controller.abort(new Error("client left"));
    await expect(creating).rejects.toThrow("client left");
    await expect.poll(() => t.double.alive().length, { timeout: 5_000 }).toBe(0);
  });
});
