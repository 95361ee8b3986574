// E2B provider against the loopback E2B double: create, env separation, errors, retries, sweep.

import { hasService } from "@sandcaster/testkit/services";
import { Sandbox as SdkSandbox } from "e2b";
import { describe, expect, it } from "vitest";
import { createE2BProvider } from "../../src/providers/e2b/index.js";
import { SandboxError } from "../../src/sandbox/sandbox-error.js";
import { codeOf, run, sandboxOptions, useDouble } from "./helpers.js";

// The double runs every command (the provider's too) under bubblewrap.
describe.runIf(hasService("bwrap"))("e2b provider (loopback double)", () => {
  const t = useDouble();
  const creates = () =>
    t.double.requests.filter((r) => r.method === "POST" && /sandboxes$/.test(r.path));

  it("is a cheap factory: available iff an API key is configured, no I/O", async () => {
    const before = t.double.requests.length;
    expect(await t.provider().isAvailable()).toBe(true);
    const saved = process.env.E2B_API_KEY;
    delete process.env.E2B_API_KEY;
    try {
      expect(await createE2BProvider({ apiUrl: t.double.apiUrl }).isAvailable()).toBe(false);
    } finally {
      if (saved !== undefined) process.env.E2B_API_KEY = saved;
    }
    expect(t.double.requests.length).toBe(before);
  });

  it("labels the sandbox, arms the dead-man timeout and prepares the workspace", async () => {
    const startedAt = Date.now();
    const sandbox = await t.create(t.provider(), { runId: "run-labels" });
    const [info, ...others] = t.double.alive();
    expect(others).toEqual([]);
    expect(info?.sandboxId).toBe(sandbox.id);
    expect(info?.templateId).toBe("base");
    expect(info?.metadata).toEqual({ sandcasterManaged: "true", sandcasterRunId: "run-labels" });
    // 60 s run timeout + the default 30 s margin.
    const lifetime = (info?.endAt.getTime() ?? 0) - startedAt;
    expect(lifetime).toBeGreaterThan(88_000);
    expect(lifetime).toBeLessThan(93_000);
    expect(sandbox).toMatchObject({
      provider: "e2b",
      state: "ready",
      workspacePath: "/home/user/workspace",
      runnerDir: "/home/user/.sandcaster",
      nodePath: "node",
      notices: [],
    });
    expect((await run(sandbox, "pwd; test -d ../.sandcaster && echo runner-dir")).stdout).toMatch(
      /\/home\/user\/workspace\nrunner-dir\n$/,
    );
  });

  it("keeps model keys out of the sandbox's own environment", async () => {
    const sandbox = await t.create(t.provider(), { env: { VISIBLE: "yes" } });
    const echo = 'echo "$VISIBLE:$(printenv ANTHROPIC_API_KEY || echo none)"';
    const withKey = await run(sandbox, echo, { ANTHROPIC_API_KEY: "sk-ant-secret" });
    expect(withKey.stdout).toBe("yes:sk-ant-secret\n");
    expect((await run(sandbox, echo)).stdout).toBe("yes:none\n");
    expect(t.double.alive()[0]?.envs).toEqual({ VISIBLE: "yes" });
    expect(JSON.stringify(t.double.alive())).not.toContain("sk-ant-secret");
  });

  it("destroys idempotently and never throws", async () => {
    const sandbox = await t.create();
    await Promise.all([sandbox.destroy(), sandbox.destroy()]);
    await sandbox.destroy();
    expect(t.double.alive()).toEqual([]);
    expect(sandbox.state).toBe("stopped");
    expect(await codeOf(run(sandbox, "true"))).toBe("SANDBOX_DESTROYED");
  });

  it("maps a rejected key to SANDBOX_AUTH with a hint", async () => {
    const error = await t
      .provider({ apiKey: "e2b_wrong" })
      .create(sandboxOptions())
      .catch((e) => e);
    expect(SandboxError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: "SANDBOX_AUTH",
      hint: expect.stringMatching(/E2B_API_KEY/),
    });
    t.double.inject({ kind: "status", status: 401 });
    expect(await codeOf(t.provider().create(sandboxOptions()))).toBe("SANDBOX_AUTH");
    expect(t.double.alive()).toEqual([]);
  });

  it("retries a 429 that carries Retry-After, then succeeds", async () => {
    t.double.inject({ kind: "status", status: 429, retryAfterSecs: 1 });
    await t.create();
    expect(creates()).toHaveLength(2);
    expect(t.double.alive()).toHaveLength(1);
  });

  it("retries a 429 without Retry-After with backoff, then succeeds", async () => {
    t.double.inject({ kind: "status", status: 429, times: 1 });
    const started = Date.now();
    await t.create();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(creates()).toHaveLength(2);
  });

  it("gives up on a persistent 429 with SANDBOX_RATE_LIMITED", async () => {
    t.double.inject({ kind: "status", status: 429, times: 100 });
    const error = await t
      .provider()
      .create(sandboxOptions())
      .catch((e) => e);
    expect(error).toMatchObject({ code: "SANDBOX_RATE_LIMITED", hint: expect.any(String) });
    expect(creates()).toHaveLength(3);
    expect(t.double.alive()).toEqual([]);
  }, 20_000);

  it("rejects at once when aborted and kills a sandbox that arrives afterwards", async () => {
    const controller = new AbortController();
    const creating = t.provider().create(sandboxOptions({ signal: controller.signal }));
    controller.abort(new Error("client left"));
    await expect(creating).rejects.toThrow("client left");
    await expect.poll(() => creates().length).toBe(1);
    await expect.poll(() => t.double.alive().length, { timeout: 5_000 }).toBe(0);
  });

  it("sweeps sandboxes of inactive runs and spares active ones (isRunActive)", async () => {
    const active = new Set(["run-live"]);
    const provider = t.provider({ isRunActive: async (runId) => active.has(runId) });
    const live = await t.create(provider, { runId: "run-live" });
    await t.create(provider, { runId: "run-dead" });
    const foreign = await SdkSandbox.create("base", {
      apiKey: t.double.apiKey,
      apiUrl: t.double.apiUrl,
      sandboxUrl: t.double.sandboxUrl,
    });
    expect(await provider.sweepOrphans()).toBe(1);
    expect(
      t.double
        .alive()
        .map((s) => s.sandboxId)
        .sort(),
    ).toEqual([live.id, foreign.sandboxId].sort());
    expect(await provider.sweepOrphans()).toBe(0);
  });

  it("without isRunActive, spares only its own live sandboxes", async () => {
    const mine = t.provider();
    const own = await t.create(mine, { runId: "run-mine" });
    await t.create(t.provider(), { runId: "run-theirs" });
    expect(await mine.sweepOrphans()).toBe(1);
    expect(t.double.alive().map((s) => s.sandboxId)).toEqual([own.id]);
    await own.destroy();
    expect(await mine.sweepOrphans()).toBe(0);
  });

  it("startSweeping() sweeps on an unref'd timer until stopped", async () => {
    const provider = t.provider({ isRunActive: async () => false, sweepIntervalMs: 50 });
    expect(t.provider().startSweeping()()).toBeUndefined();
    await t.create(provider, { runId: "run-orphan" });
    const stop = provider.startSweeping();
    try {
      await expect.poll(() => t.double.alive().length, { timeout: 5_000 }).toBe(0);
    } finally {
      stop();
    }
  });
});
