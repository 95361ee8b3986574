// A run's sandbox id is written beside the run on local and docker (only an E2B webhook reads it
// while the run is on): a slow write does not hold the run back, and a failed one is logged while
// the run ends as it would have, with no unhandled rejection. A sandbox that declares its
// provider's webhooks find the run by its id (e2b does) has the id written before anything runs.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteRunStore, type RunStore, type SandboxProvider } from "@sandcaster/core";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

let server: TestServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A real store whose recordSandbox writes wait for the test, then go through or fail. */
async function heldStore(order: string[] = []) {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-record-sandbox-"));
  const inner = createSqliteRunStore({ path: join(dir, "runs.db") });
  let release: (outcome: "write" | "fail") => void = () => undefined;
  const released = new Promise<"write" | "fail">((resolve) => {
    release = resolve;
  });
  let reached: (runId: string) => void = () => undefined;
  const held = new Promise<string>((resolve) => {
    reached = resolve;
  });
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      if (key !== "recordSandbox") return Reflect.get(target, key, receiver);
      return async (runId: string, sandboxId: string) => {
        reached(runId);
        if ((await released) === "fail") throw new Error("the store refused the sandbox id");
        await target.recordSandbox(runId, sandboxId);
        order.push("recorded");
      };
    },
  }) as RunStore;
  return { store, held, release };
}

describe("a run's sandbox id (local)", () => {
  it("is written beside the run: the run ends while the write is still held", async () => {
    const { store, held, release } = await heldStore();
    server = await startTestServer({ turns: [{ text: "served" }], store });
    const response = await postQuery(server.url, { prompt: "go" });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "served" });
    expect(await held).toBe(runId);
    release("write");
    let record = await store.getRun(runId);
    for (let i = 0; record?.sandboxId === undefined && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      record = await store.getRun(runId);
    }
    expect(record).toMatchObject({ status: "completed" });
    expect(record?.sandboxId).toEqual(expect.any(String));
    expect(await expectNoLeftovers(runId)).toEqual([]);
  });

  it("a failed write is logged; the run ends with its result and its record says completed", async () => {
    const { store, held, release } = await heldStore();
    const logLines: string[] = [];
    server = await startTestServer({ turns: [{ text: "served" }], store, logLines });
    const response = await postQuery(server.url, { prompt: "go" });
    const runId = response.headers.get("x-run-id") ?? "";
    await held;
    release("fail");
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "served" });
    let logged = logLines.find((line) => line.includes("could not record the run's sandbox"));
    for (let i = 0; logged === undefined && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      logged = logLines.find((line) => line.includes("could not record the run's sandbox"));
    }
    expect(JSON.parse(logged ?? "{}")).toMatchObject({ runId, level: 50 });
    expect(await store.getRun(runId)).toMatchObject({ status: "completed" });
    expect((await store.getRun(runId))?.sandboxId).toBeUndefined();
    expect(await expectNoLeftovers(runId)).toEqual([]);
  });
});

/** How long the id's write is held when nothing touches the sandbox (a waiting server's case). */
const HOLD_MS = 1_000;

/**
 * The local provider, its sandboxes declaring (or not) that webhooks find the run by their id;
 * the first thing run in one (a file staged, a process started) is put in `order` and fires `used`.
 */
function declaring(declares: boolean, order: string[], used: () => void) {
  return (provider: SandboxProvider): SandboxProvider => ({
    ...provider,
    isAvailable: (signal) => provider.isAvailable(signal),
    create: async (options) => {
      const sandbox = await provider.create(options);
      Object.defineProperty(sandbox, "webhooksFindRunBySandboxId", { value: declares });
      const writeFiles = sandbox.writeFiles.bind(sandbox);
      const spawn = sandbox.spawn.bind(sandbox);
      sandbox.writeFiles = (files, signal) => {
        order.push("writeFiles");
        used();
        return writeFiles(files, signal);
      };
      sandbox.spawn = (spawnOptions) => {
        order.push("spawn");
        used();
        return spawn(spawnOptions);
      };
      return sandbox;
    },
  });
}

describe("a sandbox that declares its provider's webhooks find the run by its id", () => {
  it("has the id written before anything runs in it", async () => {
    const order: string[] = [];
    const { store, held, release } = await heldStore(order);
    let used: () => void = () => undefined;
    const touched = new Promise<void>((resolve) => {
      used = resolve;
    });
    server = await startTestServer({
      turns: [{ text: "served" }],
      store,
      wrapProvider: declaring(true, order, () => used()),
    });
    const response = await postQuery(server.url, { prompt: "go" });
    const runId = response.headers.get("x-run-id") ?? "";
    expect(await held).toBe(runId);
    // A server that did not wait stages the runner within the hold; one that waits never does
    // before the release, so the hold running out cannot fail the test, only let it pass.
    await Promise.race([touched, new Promise((resolve) => setTimeout(resolve, HOLD_MS))]);
    release("write");
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "served" });
    expect(order[0]).toBe("recorded");
    expect(order).toContain("spawn");
    expect(await store.getRun(runId)).toMatchObject({ status: "completed" });
    expect((await store.getRun(runId))?.sandboxId).toEqual(expect.any(String));
    expect(await expectNoLeftovers(runId)).toEqual([]);
  });

  it("declared false, the run goes on and ends while the write is still held", async () => {
    const order: string[] = [];
    const { store, held, release } = await heldStore(order);
    server = await startTestServer({
      turns: [{ text: "served" }],
      store,
      wrapProvider: declaring(false, order, () => undefined),
    });
    const response = await postQuery(server.url, { prompt: "go" });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "served" });
    expect(await held).toBe(runId);
    expect(order).not.toContain("recorded");
    expect(order).toContain("spawn");
    release("write");
    let record = await store.getRun(runId);
    for (let i = 0; record?.sandboxId === undefined && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      record = await store.getRun(runId);
    }
    expect(record?.sandboxId).toEqual(expect.any(String));
    expect(await expectNoLeftovers(runId)).toEqual([]);
  });
});
