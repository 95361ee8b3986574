// Pause and resume through the real `e2b` SDK: files kept, envd refused while paused, connect resumes.
import { readFileSync } from "node:fs";
import { Sandbox, SandboxNotFoundError } from "e2b";
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

/** The one-letter state of a process ("S", "T" for stopped, "Z"), or "gone". */
function procState(pid: number): string {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1] ?? "gone";
  } catch {
    return "gone";
  }
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const info = (sandboxId: string) => double.alive().find((s) => s.sandboxId === sandboxId);

/** Starts `sleep 30` in the background; its pid once it has printed it. */
async function sleeper(sandbox: Sandbox): Promise<number> {
  const pids: number[] = [];
  await sandbox.commands.run("echo $$; exec sleep 30", {
    background: true,
    onStdout: (t) => void pids.push(Number(t)),
  });
  await until(() => pids.length === 1);
  return pids[0] ?? 0;
}

describe("E2B double: pause and resume", () => {
  itRunsCommands(
    "keeps the files of a paused sandbox, refuses envd while paused, resumes on connect",
    async () => {
      const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
      await sandbox.files.write("/home/user/keep/all.bin", bytes.buffer);

      expect(await sandbox.pause()).toBe(true);
      expect(double.requests).toContainEqual({
        method: "POST",
        path: `/sandboxes/${sandbox.sandboxId}/pause`,
        sandboxId: sandbox.sandboxId,
      });
      expect(double.paused().map((s) => s.sandboxId)).toEqual([sandbox.sandboxId]);
      // Paused still counts as alive: it exists at E2B and can be resumed.
      expect(info(sandbox.sandboxId)?.state).toBe("paused");
      expect((await Sandbox.getInfo(sandbox.sandboxId, opts)).state).toBe("paused");
      expect(await sandbox.isRunning()).toBe(false);
      await expect(sandbox.commands.run("true")).rejects.toBeInstanceOf(SandboxNotFoundError);
      await expect(sandbox.files.read("/home/user/keep/all.bin")).rejects.toThrow(/paused/);
      expect(await sandbox.pause()).toBe(false);
      const listed = await Sandbox.list({ ...opts, query: { state: ["paused"] } }).nextItems();
      expect(listed.map((s) => s.sandboxId)).toContain(sandbox.sandboxId);

      const resumedAt = Date.now();
      const resumed = await Sandbox.connect(sandbox.sandboxId, { ...opts, timeoutMs: 120_000 });
      expect(info(sandbox.sandboxId)?.state).toBe("running");
      expect(double.paused()).toEqual([]);
      const endAt = info(sandbox.sandboxId)?.endAt.getTime() ?? 0;
      expect(endAt - resumedAt).toBeGreaterThan(115_000);
      expect(endAt - resumedAt).toBeLessThan(125_000);
      const back = await resumed.files.read("/home/user/keep/all.bin", { format: "bytes" });
      expect([...back]).toEqual([...bytes]);
      expect((await resumed.commands.run("cat keep/all.bin | wc -c")).stdout).toBe("256\n");

      // Connecting to a running sandbox only ever extends its timeout.
      await Sandbox.connect(sandbox.sandboxId, { ...opts, timeoutMs: 5_000 });
      expect(info(sandbox.sandboxId)?.endAt.getTime()).toBe(endAt);
      await resumed.kill();
    },
  );

  it("resumes a sandbox without a timeout for 300 s, and a paused one does not time out", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 1_000 });
    await sandbox.pause();
    await new Promise((r) => setTimeout(r, 1_300));
    expect(info(sandbox.sandboxId)?.state).toBe("paused");
    const resumedAt = Date.now();
    await sandbox.connect();
    const lifetime = (info(sandbox.sandboxId)?.endAt.getTime() ?? 0) - resumedAt;
    expect(lifetime).toBeGreaterThan(295_000);
    expect(lifetime).toBeLessThan(305_000);
    await sandbox.kill();
  });

  itRunsCommands(
    "freezes processes while paused with memory, and kills them when the memory is dropped",
    async () => {
      const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
      const frozen = await sleeper(sandbox);
      await sandbox.pause();
      await until(() => procState(frozen) === "T");
      await sandbox.connect();
      await until(() => procState(frozen) === "S");

      await sandbox.pause({ keepMemory: false });
      await until(() => ["gone", "Z"].includes(procState(frozen)));
      await sandbox.connect();
      await sandbox.kill();
    },
  );

  it("pauses instead of killing at the timeout when created with onTimeout: pause", async () => {
    const sandbox = await Sandbox.create({
      ...opts,
      timeoutMs: 1_000,
      lifecycle: { onTimeout: "pause" },
    });
    await sandbox.files.write("/home/user/left.txt", "still here");
    expect(info(sandbox.sandboxId)?.onTimeout).toBe("pause");
    expect((await sandbox.getInfo()).lifecycle?.onTimeout).toBe("pause");
    await until(() => info(sandbox.sandboxId)?.state === "paused", 5_000);
    await sandbox.connect({ timeoutMs: 30_000 });
    expect(await sandbox.files.read("/home/user/left.txt")).toBe("still here");
    await sandbox.kill();
  });

  it("records network updates of a running sandbox", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    expect(info(sandbox.sandboxId)?.allowInternetAccess).toBe(true);
    await sandbox.updateNetwork({ allowInternetAccess: false });
    expect(info(sandbox.sandboxId)?.allowInternetAccess).toBe(false);
    expect((await sandbox.getInfo()).allowInternetAccess).toBe(false);
    await sandbox.kill();
  });

  it("kills a paused sandbox; afterwards it is gone for connect, pause and kill (404)", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    await sandbox.pause();
    expect(await Sandbox.kill(sandbox.sandboxId, opts)).toBe(true);
    expect(info(sandbox.sandboxId)).toBeUndefined();
    await expect(Sandbox.connect(sandbox.sandboxId, opts)).rejects.toBeInstanceOf(
      SandboxNotFoundError,
    );
    await expect(sandbox.pause()).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(await Sandbox.kill(sandbox.sandboxId, opts)).toBe(false);
  });

  it("loses a paused sandbox on request (a workspace killed behind the server's back)", async () => {
    const sandbox = await Sandbox.create({ ...opts, timeoutMs: 60_000 });
    await sandbox.pause();
    double.inject({ kind: "lose-sandbox", sandboxId: sandbox.sandboxId });
    expect(double.paused()).toEqual([]);
    await expect(sandbox.connect()).rejects.toThrow(/Paused sandbox .* not found/);
  });
});
