// WarmPool logic against a counting fake provider: hits, misses, refill, health, ageing, failures.
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { PoolPreparer } from "./pool-preparer.js";
import { pooledProvider } from "./pooled-provider.js";
import type { CreateSandboxOptions, Sandbox, SandboxProvider } from "./sandbox.js";
import { WarmPool } from "./warm-pool.js";

const log = pino({ level: "silent" });
const LIMITS = { memoryMb: 512, cpus: 1, pids: 128, network: "none" as const };

interface FakeSandbox extends Sandbox {
  destroyed: boolean;
  healthy: boolean;
  createdWith: CreateSandboxOptions;
}

function fakeProvider(options: { delayMs?: number; failWith?: () => Error | undefined } = {}) {
  const made: FakeSandbox[] = [];
  const provider: SandboxProvider = {
    name: "local",
    isAvailable: async () => true,
    async create(createOptions) {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5));
      const failure = options.failWith?.();
      if (failure) throw failure;
      const sandbox: FakeSandbox = {
        id: `sb-${made.length + 1}`,
        provider: "local",
        get state() {
          return sandbox.destroyed ? "stopped" : "ready";
        },
        workspacePath: "/workspace",
        runnerDir: "/runner",
        nodePath: "node",
        notices: [],
        destroyed: false,
        healthy: true,
        createdWith: createOptions,
        writeFiles: async () => {},
        spawn: async () => {
          throw new Error("not used");
        },
        readChangedFiles: async () => ({ files: [], skipped: [] }),
        checkHealth: async () => sandbox.healthy && !sandbox.destroyed,
        destroy: async () => {
          sandbox.destroyed = true;
        },
      };
      made.push(sandbox);
      return sandbox;
    },
  };
  return { provider, made };
}

function runOptions(overrides: Partial<CreateSandboxOptions> = {}): CreateSandboxOptions {
  return {
    runId: "run-1",
    env: {},
    limits: { ...LIMITS, timeoutMs: 60_000 },
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pools: WarmPool[] = [];
function pool(provider: SandboxProvider, size = 2, maxAgeSecs = 60) {
  const made = new WarmPool(provider, { size, maxAgeSecs, limits: LIMITS, logger: log });
  pools.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("WarmPool", () => {
  it("fills to its size with env-free sandboxes, hands them out once and refills", async () => {
    const fake = fakeProvider();
    const warm = pool(fake.provider, 2);
    expect(warm.problem()).toMatch(/still filling/);
    // A template's pool (filling: false) is not held against /ready while it fills.
    expect(warm.problem({ filling: false })).toBeUndefined();
    await until(() => warm.stats().ready === 2);
    expect(warm.problem()).toBeUndefined();
    for (const sandbox of fake.made) {
      expect(sandbox.createdWith.env).toStrictEqual({});
      expect(sandbox.createdWith.runId).toMatch(/^pool_/);
    }
    const first = await warm.acquire(runOptions());
    const second = await warm.acquire(runOptions());
    expect(new Set([first.id, second.id]).size).toBe(2);
    expect(warm.stats()).toMatchObject({ hits: 2, misses: 0 });
    await until(() => warm.stats().ready === 2);
    expect(fake.made).toHaveLength(4);
  });

  it("a burst larger than the pool degrades to cold creates, never to errors", async () => {
    const fake = fakeProvider();
    const warm = pool(fake.provider, 2);
    await until(() => warm.stats().ready === 2);
    const got = await Promise.all(Array.from({ length: 6 }, () => warm.acquire(runOptions())));
    expect(new Set(got.map((s) => s.id)).size).toBe(6);
    expect(warm.stats()).toMatchObject({ hits: 2, misses: 4 });
    const cold = fake.made.filter((s) => s.createdWith.runId === "run-1");
    expect(cold).toHaveLength(4);
  });

  it("never hands out an unhealthy or aged sandbox (it is destroyed instead)", async () => {
    const fake = fakeProvider();
    const warm = pool(fake.provider, 1);
    await until(() => warm.stats().ready === 1);
    const sick = fake.made[0] as FakeSandbox;
    sick.healthy = false;
    const got = await warm.acquire(runOptions());
    expect(got.id).not.toBe(sick.id);
    await until(() => sick.destroyed);
    expect(warm.stats().misses).toBe(1);
  });

  it("recycles sandboxes older than maxAgeSecs", async () => {
    const fake = fakeProvider();
    const warm = new WarmPool(fake.provider, {
      size: 1,
      maxAgeSecs: 1,
      limits: LIMITS,
      logger: log,
    });
    pools.push(warm);
    await until(() => warm.stats().ready === 1);
    const old = fake.made[0] as FakeSandbox;
    await until(() => old.destroyed && warm.stats().ready === 1, 5000);
    expect(fake.made.length).toBeGreaterThanOrEqual(2);
  });

  it("gives a cold sandbox to a run with other limits or with env", async () => {
    const fake = fakeProvider();
    const warm = pool(fake.provider, 1);
    await until(() => warm.stats().ready === 1);
    await warm.acquire(runOptions({ limits: { ...LIMITS, memoryMb: 4096, timeoutMs: 1000 } }));
    await warm.acquire(runOptions({ env: { A: "b" } }));
    expect(warm.stats()).toMatchObject({ hits: 0, misses: 2, ready: 1 });
  });

  it("has a pooled sandbox adopt the run's settings, and gives a cold one when it cannot", async () => {
    const fake = fakeProvider();
    const warm = pool(fake.provider, 2);
    await until(() => warm.stats().ready === 2);
    const adopted: CreateSandboxOptions[] = [];
    const [first, second] = fake.made;
    if (!first || !second) throw new Error("the pool did not fill");
    first.adopt = async (options) => {
      adopted.push(options);
    };
    second.adopt = async () => {
      throw new Error("updateNetwork refused");
    };
    const network = {
      policy: { egress: "none" as const, allow: [], allowAddresses: [] },
    };
    expect(await warm.acquire(runOptions({ network }))).toBe(first);
    expect(adopted.map((o) => o.network)).toEqual([network]);
    // The one that could not take the run's settings is destroyed, not handed out.
    const next = await warm.acquire(runOptions({ network }));
    expect(next).not.toBe(second);
    expect(second.destroyed).toBe(true);
    // Whether `next` is a refill or a cold create depends on the refill's pace: not asserted.
    expect(next.state).toBe("ready");
  });

  it("reports that it cannot fill after repeated failures, and recovers", async () => {
    let failing = true;
    const fake = fakeProvider({
      failWith: () => (failing ? new Error("image missing") : undefined),
    });
    const warm = pool(fake.provider, 1);
    await until(() => warm.stats().failures >= 3, 10_000);
    expect(warm.problem()).toMatch(/cannot fill: image missing/);
    expect(warm.problem({ filling: false })).toMatch(/cannot fill: image missing/);
    failing = false;
    await until(() => warm.stats().ready === 1, 20_000);
    expect(warm.problem()).toBeUndefined();
  }, 30_000);

  it("close() destroys idle sandboxes and those still being created", async () => {
    const fake = fakeProvider({ delayMs: 50 });
    const warm = pool(fake.provider, 3);
    await until(() => warm.stats().ready >= 1);
    await warm.close();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(fake.made.every((s) => s.destroyed)).toBe(true);
    expect(warm.stats().ready).toBe(0);
  });

  it("pooledProvider keeps the provider's name and availability and serves from the pool", async () => {
    const fake = fakeProvider();
    const warm = pool(fake.provider, 1);
    await until(() => warm.stats().ready === 1);
    const provider = pooledProvider(warm);
    expect(provider.name).toBe("local");
    expect(await provider.isAvailable()).toBe(true);
    await provider.create(runOptions());
    expect(warm.stats().hits).toBe(1);
  });

  it("a session turn gets a cold sandbox with its workspace; workspace calls pass through", async () => {
    const fake = fakeProvider();
    const deleted: string[] = [];
    fake.provider.deleteWorkspace = async (workspace) => {
      deleted.push(workspace.ref);
    };
    const warm = pool(fake.provider, 1);
    await until(() => warm.stats().ready === 1);
    const provider = pooledProvider(warm);
    const workspace = { provider: "local" as const, ref: "/ws/sandcaster-ws-a" };
    const sandbox = (await provider.create(runOptions({ workspace }))) as FakeSandbox;
    expect(sandbox.createdWith.workspace).toEqual(workspace);
    expect(warm.stats()).toMatchObject({ hits: 0, misses: 1 });
    await provider.deleteWorkspace?.(workspace, new AbortController().signal);
    expect(deleted).toEqual([workspace.ref]);
    expect(provider.createWorkspace).toBeUndefined();
  });
});

describe("WarmPool and a run that goes away", () => {
  it("an aborted acquire puts the sandbox back instead of destroying it", async () => {
    const fake = fakeProvider();
    const warm = pool(fake.provider, 2);
    await until(() => warm.stats().ready === 2);
    const controller = new AbortController();
    const acquiring = warm.acquire(runOptions({ signal: controller.signal }));
    controller.abort(new Error("client left")); // while the health check runs
    await expect(acquiring).rejects.toThrow("client left");
    expect(fake.made.every((s) => !s.destroyed)).toBe(true);
    expect(warm.stats().ready).toBe(2);
  });
});

describe("WarmPool with a preparer (pre-booted runners)", () => {
  function prepared(provider: SandboxProvider, preparer: PoolPreparer, size = 1) {
    const made = new WarmPool(provider, {
      size,
      maxAgeSecs: 60,
      limits: LIMITS,
      logger: log,
      preparer,
    });
    pools.push(made);
    return made;
  }

  it("pools only prepared sandboxes, and never hands out one whose prepared process died", async () => {
    const fake = fakeProvider();
    const alive = new Set<string>();
    const warm = prepared(fake.provider, {
      prepare: async (sandbox) => {
        alive.add(sandbox.id);
      },
      ready: (sandbox) => alive.has(sandbox.id),
    });
    await until(() => warm.stats().ready === 1);
    const first = fake.made[0] as FakeSandbox;
    expect(alive.has(first.id)).toBe(true);
    alive.delete(first.id); // its idle runner exited
    const got = await warm.acquire(runOptions());
    expect(got.id).not.toBe(first.id);
    await until(() => first.destroyed);
    expect(warm.stats()).toMatchObject({ hits: 0, misses: 1 });
  });

  it("destroys a sandbox whose preparation failed and counts it as a failed creation", async () => {
    const fake = fakeProvider();
    const warm = prepared(fake.provider, {
      prepare: async () => {
        throw new Error("the runner would not start");
      },
      ready: () => true,
    });
    await until(() => warm.stats().failures >= 1);
    expect(warm.stats().ready).toBe(0);
    await until(() => fake.made.every((sandbox) => sandbox.destroyed));
    expect(warm.problem()).toMatch(/still filling|cannot fill/);
  });

  it("hands out a warmed-up sandbox before an older one still warming, and counts them", async () => {
    const fake = fakeProvider();
    const warmed = new Set<string>();
    const warm = prepared(
      fake.provider,
      { prepare: async () => {}, ready: () => true, warm: (sandbox) => warmed.has(sandbox.id) },
      2,
    );
    await until(() => warm.stats().ready === 2);
    expect(warm.stats().warm).toBe(0);
    const [older, newer] = fake.made as [FakeSandbox, FakeSandbox];
    warmed.add(newer.id); // the younger one's runner said it is ready first
    expect(warm.stats().warm).toBe(1);
    expect((await warm.acquire(runOptions())).id).toBe(newer.id);
    // None warm: the oldest made still beats a cold create.
    expect((await warm.acquire(runOptions())).id).toBe(older.id);
    expect(warm.stats()).toMatchObject({ hits: 2, misses: 0 });
  });

  it("boots what a sandbox boots ahead before preparing it, and counts it warm only once that is up", async () => {
    const fake = fakeProvider();
    const booted = new Map<string, () => void>();
    const order: string[] = [];
    const provider: SandboxProvider = {
      ...fake.provider,
      async create(options) {
        const sandbox = await fake.provider.create(options);
        sandbox.prestart = () => {
          order.push(`prestart ${sandbox.id}`);
          return new Promise<void>((resolve) => booted.set(sandbox.id, resolve));
        };
        return sandbox;
      },
    };
    const warm = prepared(
      provider,
      {
        prepare: async (sandbox) => {
          order.push(`prepare ${sandbox.id}`);
        },
        ready: () => true,
        warm: () => true,
      },
      2,
    );
    await until(() => warm.stats().ready === 2);
    expect(order.slice(0, 2)).toEqual(["prestart sb-1", "prepare sb-1"]);
    // Its runner is warm, but a Node process is still starting beside it: not warm yet.
    expect(warm.stats().warm).toBe(0);
    booted.get("sb-2")?.();
    await until(() => warm.stats().warm === 1);
    expect((await warm.acquire(runOptions())).id).toBe("sb-2");
  });

  it("takes the prepared process still running as the health check: no provider round trip", async () => {
    const fake = fakeProvider();
    const warm = prepared(fake.provider, { prepare: async () => {}, ready: () => true });
    await until(() => warm.stats().ready === 1);
    const made = fake.made[0] as FakeSandbox;
    made.checkHealth = async () => {
      throw new Error("not asked while its idle runner runs");
    };
    expect((await warm.acquire(runOptions())).id).toBe(made.id);
    expect(warm.stats()).toMatchObject({ hits: 1, misses: 0 });
  });
});
