// The SessionStore contract (sqlite and postgres): create/get/list, one claim at a time, release
// appends the turn and restarts the idle clock, expiry, and claims of dead runs.
import type { HistoryTurn } from "@sandcaster/protocol";
import { expect, it } from "vitest";
import type { RunStore } from "../../src/store/run-store.js";

const T0 = Date.parse("2025-06-01T12:00:00.000Z");
const at = (secs: number) => new Date(T0 + secs * 1000);

const TURN: HistoryTurn = {
  prompt: "write a file",
  steps: [
    {
      kind: "assistant",
      text: "ok",
      toolCalls: [{ id: "t1", name: "bash", input: { command: "x" } }],
    },
    {
      kind: "tool_results",
      results: [{ id: "t1", name: "bash", content: "done", isError: false }],
    },
  ],
};

export function registerSessionsContract(
  ctx: () => { store: RunStore; open(): Promise<RunStore> },
) {
  async function session(store: RunStore, id: string, idleTimeoutSecs = 60) {
    await store.sessions.create({
      id,
      name: `name of ${id}`,
      sandboxProvider: "docker",
      idleTimeoutSecs,
      maxHistoryTurns: 5,
      createdAt: at(0),
      ownerInstance: "host-a",
      ownerUrl: "http://a:8000",
      workspaceRef: `vol-${id}`,
    });
  }

  it("sessions: creates, reads and lists (newest first, by status)", async () => {
    const { store } = ctx();
    await session(store, "s1");
    await session(store, "s2");
    const got = await store.sessions.get("s1");
    expect(got).toMatchObject({
      id: "s1",
      name: "name of s1",
      status: "active",
      sandboxProvider: "docker",
      idleTimeoutSecs: 60,
      maxHistoryTurns: 5,
      turns: 0,
      createdAt: at(0).toISOString(),
      expiresAt: at(60).toISOString(),
      ownerInstance: "host-a",
      ownerUrl: "http://a:8000",
      workspaceRef: "vol-s1",
      history: [],
    });
    expect(got?.activeRunId).toBeUndefined();
    const list = await store.sessions.list({ limit: 10 });
    expect(list.map((s) => s.id)).toEqual(["s2", "s1"]);
    expect(JSON.stringify(list)).not.toContain("vol-s1");
    expect(await store.sessions.get("nope")).toBeUndefined();
  });

  it("sessions: one claim at a time; release appends the turn and restarts the idle clock", async () => {
    const { store, open } = ctx();
    const other = await open();
    await session(store, "s1");
    await store.createRun({ id: "run-1", prompt: "p", startedAt: at(1) });
    await store.createRun({ id: "run-2", prompt: "p", startedAt: at(1) });
    expect(await store.sessions.claim("s1", "run-1", at(1))).toBe("claimed");
    expect(await other.sessions.claim("s1", "run-2", at(2))).toBe("busy");
    expect((await store.sessions.get("s1"))?.activeRunId).toBe("run-1");
    await store.sessions.release("s1", "run-2", { turnDone: true }, at(3)); // not the holder: no-op
    await store.sessions.release("s1", "run-1", { history: [TURN], turnDone: true }, at(10));
    const after = await store.sessions.get("s1");
    expect(after).toMatchObject({ turns: 1, history: [TURN], expiresAt: at(70).toISOString() });
    expect(after?.activeRunId).toBeUndefined();
    expect(await other.sessions.claim("s1", "run-2", at(11))).toBe("claimed");
  });

  it("sessions: a holder whose run is no longer running does not block (its server died)", async () => {
    const { store } = ctx();
    await session(store, "s1");
    await store.createRun({ id: "run-1", prompt: "p", startedAt: at(1) });
    expect(await store.sessions.claim("s1", "run-1", at(1))).toBe("claimed");
    await store.failRunIfRunning("run-1", { code: "SERVER_LOST", message: "gone" }, at(2));
    await store.createRun({ id: "run-2", prompt: "p", startedAt: at(3) });
    expect(await store.sessions.claim("s1", "run-2", at(3))).toBe("claimed");
  });

  it("sessions: expire after the idle timeout, end once, and say why a claim fails", async () => {
    const { store } = ctx();
    await session(store, "s1", 30);
    await session(store, "s2", 300);
    expect((await store.sessions.expired(at(29))).map((s) => s.id)).toEqual([]);
    expect((await store.sessions.expired(at(31))).map((s) => s.id)).toEqual(["s1"]);
    expect(await store.sessions.claim("s1", "run-x", at(31))).toBe("expired");
    expect(await store.sessions.end("s2", "expired", at(31))).toBe(false); // not due yet
    expect(await store.sessions.end("s1", "expired", at(31))).toBe(true);
    expect(await store.sessions.end("s1", "expired", at(31))).toBe(false);
    // a held session is not ended under its run
    expect(await store.sessions.claim("s2", "run-held", at(31))).toBe("claimed");
    expect(await store.sessions.end("s2", "deleted", at(31))).toBe(false);
    await store.sessions.release("s2", "run-held", { turnDone: false }, at(31));
    expect(await store.sessions.end("s2", "deleted", at(32))).toBe(true);
    expect(await store.sessions.claim("s2", "run-y", at(32))).toBe("deleted");
    expect(await store.sessions.claim("nope", "run-z", at(32))).toBe("missing");
    expect((await store.sessions.list({ limit: 10, status: "expired" })).map((s) => s.id)).toEqual([
      "s1",
    ]);
  });

  it("sessions: a run records its session", async () => {
    const { store } = ctx();
    await store.createRun({ id: "run-1", prompt: "p", startedAt: at(1), sessionId: "s1" });
    expect((await store.getRun("run-1"))?.sessionId).toBe("s1");
  });
}
