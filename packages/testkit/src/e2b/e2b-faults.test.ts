// Failure modes through the real `e2b` SDK: auth, rate limits, a lost sandbox, timeout expiry, envd tokens.
import { readFileSync } from "node:fs";
import {
  AuthenticationError,
  CommandExitError,
  RateLimitError,
  Sandbox,
  SandboxNotFoundError,
  TimeoutError,
} from "e2b";
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
function pidAlive(pid: number): boolean {
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

const creates = () =>
  double.requests.filter((r) => r.method === "POST" && r.path === "/v2/sandboxes");

describe("E2B double failure modes", () => {
  it("rejects a wrong API key with 401 → AuthenticationError", async () => {
    const error = await Sandbox.create({ ...opts, apiKey: "e2b_wrong" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/^Unauthorized, please check your credentials\. - /);
    const raw = await fetch(`${double.apiUrl}/v2/sandboxes`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ code: 401, message: expect.any(String) });
  });

  it("injects a 401 once, then serves normally", async () => {
    double.inject({ kind: "status", status: 401 });
    await expect(Sandbox.create(opts)).rejects.toBeInstanceOf(AuthenticationError);
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 30_000 });
    expect(double.alive().map((s) => s.sandboxId)).toContain(sandbox.sandboxId);
    await sandbox.kill();
  });

  it("maps 429 without Retry-After straight to RateLimitError (no retry)", async () => {
    const before = creates().length;
    double.inject({ kind: "status", status: 429 });
    const error = await Sandbox.create(opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toMatch(/^Rate limit exceeded, please try again later/);
    expect(creates().length - before).toBe(1);
  });

  it("lets the SDK retry a 429 with Retry-After, and fail once retries run out", async () => {
    let before = creates().length;
    double.inject({ kind: "status", status: 429, retryAfterSecs: 1 });
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 30_000 });
    expect(creates().length - before).toBe(2);
    await sandbox.kill();

    before = creates().length;
    double.inject({ kind: "status", status: 429, retryAfterSecs: 1, times: 2 });
    const started = Date.now();
    const error = await Sandbox.create({ ...opts, retries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(creates().length - before).toBe(2);
  });

  it("injects faults on envd routes in Connect's terms", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 30_000 });
    double.inject({
      kind: "status",
      status: 429,
      match: /^POST \/filesystem\.Filesystem\/ListDir$/,
    });
    await expect(sandbox.files.list("/tmp")).rejects.toBeInstanceOf(RateLimitError);
    expect(await sandbox.files.list("/tmp")).toEqual([]);
    await sandbox.kill();
  });

  itRunsCommands("loses a sandbox mid-command the way E2B does", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    const pids: number[] = [];
    const handle = await sandbox.commands.run("echo $$; sleep 30", {
      background: true,
      onStdout: (t) => void pids.push(Number(t)),
    });
    await until(() => pids.length === 1);
    double.inject({ kind: "lose-sandbox", sandboxId: sandbox.sandboxId });
    expect(double.alive().some((s) => s.sandboxId === sandbox.sandboxId)).toBe(false);

    const error = await handle.wait().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).not.toBeInstanceOf(CommandExitError);
    expect((error as Error).message).toBe(
      "[unknown] terminated: The sandbox was killed or reached its end of life while the request was in flight.",
    );
    await until(() => !pidAlive(pids[0] ?? 0));

    const read = await sandbox.files.read("/tmp/x").catch((e: unknown) => e);
    expect(read).toBeInstanceOf(TimeoutError);
    expect((read as Error).message).toMatch(
      /^The sandbox was not found: This error is likely due to sandbox timeout/,
    );
    await expect(sandbox.commands.run("true")).rejects.toBeInstanceOf(SandboxNotFoundError);
    await expect(sandbox.setTimeout(10_000)).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(await sandbox.isRunning()).toBe(false);
    expect(await Sandbox.kill(sandbox.sandboxId, opts)).toBe(false);
    expect(() => double.inject({ kind: "lose-sandbox", sandboxId: sandbox.sandboxId })).toThrow();
  });

  itRunsCommands("kills a sandbox when its timeout passes", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 3_000 });
    const pids: number[] = [];
    const handle = await sandbox.commands.run("echo $$; sleep 30", {
      background: true,
      onStdout: (t) => void pids.push(Number(t)),
    });
    // The command ran (its pid came back); whether the 3 s are already over by now depends on the
    // machine's load, so only what follows the timeout is asserted.
    await until(() => pids.length === 1);
    await expect(handle.wait()).rejects.toBeInstanceOf(TimeoutError);
    expect(double.alive().some((s) => s.sandboxId === sandbox.sandboxId)).toBe(false);
    await until(() => !pidAlive(pids[0] ?? 0));
    expect(await sandbox.isRunning()).toBe(false);
  });

  it("moves the deadline with setTimeout", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 5_000 });
    await sandbox.setTimeout(300_000);
    const info = double.alive().find((s) => s.sandboxId === sandbox.sandboxId);
    expect(info?.endAt.getTime()).toBeGreaterThan(Date.now() + 250_000);
    await sandbox.setTimeout(500);
    await until(() => !double.alive().some((s) => s.sandboxId === sandbox.sandboxId));
    expect(await sandbox.kill()).toBe(false);
  });

  it("requires the envd access token the API handed out", async () => {
    const created = await fetch(`${double.apiUrl}/v2/sandboxes`, {
      method: "POST",
      headers: { "X-API-KEY": double.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ templateID: "base", timeout: 30 }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { sandboxID: string; envdAccessToken: string };
    expect(body.envdAccessToken).toMatch(/^ea_/);
    const url = `${double.sandboxUrl}/files?path=/tmp`;
    const headers = { "E2b-Sandbox-Id": body.sandboxID, "E2b-Sandbox-Port": "49983" };
    expect((await fetch(url, { headers })).status).toBe(401);
    const authed = await fetch(url, {
      headers: { ...headers, "X-Access-Token": body.envdAccessToken },
    });
    expect(authed.status).toBe(400); // /tmp is a directory: past auth, envd's own answer
    expect((await fetch(`${double.sandboxUrl}/health`, { headers })).status).toBe(204);
    const deleted = await fetch(`${double.apiUrl}/sandboxes/${body.sandboxID}`, {
      method: "DELETE",
      headers: { "X-API-KEY": double.apiKey },
    });
    expect(deleted.status).toBe(204);
    const gone = await fetch(`${double.sandboxUrl}/health`, { headers });
    expect(gone.status).toBe(502);
    expect(await gone.json()).toEqual({
      sandboxId: body.sandboxID,
      message: "The sandbox was not found",
      code: 502,
    });
  });
});
