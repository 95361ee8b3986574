// WorkspaceHolds with a fake E2B: the last holder pauses, a resume waits for a pause in flight.
import type { Sandbox as SdkSandbox } from "e2b";
import { describe, expect, it } from "vitest";
import { WorkspaceHolds } from "../../src/providers/e2b/workspace-holds.js";
import { never } from "./helpers.js";

class Gone extends Error {}

function fake() {
  const log: string[] = [];
  let pauseGate: Promise<void> = Promise.resolve();
  let failConnect: Error | undefined;
  const holds = new WorkspaceHolds({
    async connect(ref) {
      log.push(`connect ${ref}`);
      if (failConnect) throw failConnect;
      return { sandboxId: ref } as unknown as SdkSandbox;
    },
    async pause(ref) {
      log.push(`pause ${ref}`);
      await pauseGate;
      log.push(`paused ${ref}`);
    },
    isGone: (error) => error instanceof Gone,
  });
  return {
    holds,
    log,
    gatePauses(gate: Promise<void>) {
      pauseGate = gate;
    },
    failConnects(error: Error | undefined) {
      failConnect = error;
    },
  };
}

describe("WorkspaceHolds", () => {
  it("pauses only when the last holder lets go", async () => {
    const f = fake();
    await f.holds.acquire("a", 1000, never);
    await f.holds.acquire("a", 1000, never);
    expect(f.holds.holders("a")).toBe(2);
    await f.holds.release("a");
    expect(f.log).toEqual(["connect a", "connect a"]);
    await f.holds.release("a");
    expect(f.log).toEqual(["connect a", "connect a", "pause a", "paused a"]);
    expect(f.holds.holders("a")).toBe(0);
    await f.holds.release("a");
    expect(f.log.filter((line) => line.startsWith("pause "))).toHaveLength(1);
  });

  it("resumes only after a pause in flight has finished", async () => {
    const f = fake();
    let open = () => {};
    f.gatePauses(
      new Promise((resolve) => {
        open = resolve;
      }),
    );
    await f.holds.acquire("a", 1000, never);
    const pausing = f.holds.release("a");
    const resuming = f.holds.acquire("a", 1000, never);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(f.log).toEqual(["connect a", "pause a"]);
    open();
    await pausing;
    await resuming;
    expect(f.log).toEqual(["connect a", "pause a", "paused a", "connect a"]);
    expect(f.holds.holders("a")).toBe(1);
    await f.holds.release("a");
    expect(f.log.at(-1)).toBe("paused a");
  });

  it("after a failed connect, pauses unless the sandbox is gone", async () => {
    const f = fake();
    f.failConnects(new Gone("404"));
    await expect(f.holds.acquire("a", 1000, never)).rejects.toBeInstanceOf(Gone);
    f.failConnects(new Error("network"));
    await expect(f.holds.acquire("b", 1000, never)).rejects.toThrow("network");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(f.log).toEqual(["connect a", "connect b", "pause b", "paused b"]);
    expect(f.holds.holders("a") + f.holds.holders("b")).toBe(0);
  });
});
