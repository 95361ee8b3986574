// A client written to the upstream Sandcaster SDK's published contract (its documented types, not
// ours) against the real server: what an existing upstream client reads must keep working.
import type { ScriptedTurn } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { collect, type UpstreamEvent, upstreamClient } from "./upstream-client.js";

/** The upstream SDK's documented run record (`Run`), as a client of it is typed. */
interface UpstreamRun {
  id: string;
  prompt: string;
  model?: string;
  status: "running" | "completed" | "error";
  startedAt: string;
  costUsd?: number;
  numTurns?: number;
  durationSecs?: number;
  error?: string;
  filesCount: number;
}

/** The upstream SDK's `listRuns()`: GET /runs, the body read as an array of runs. */
async function listRuns(
  baseUrl: string,
  path = "/runs",
): Promise<{ runs: UpstreamRun[]; next?: string }> {
  const response = await fetch(new URL(path, baseUrl));
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const runs = (await response.json()) as UpstreamRun[];
  const next = /<([^>]*)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
  return next ? { runs, next } : { runs };
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("the upstream SDK's contract", () => {
  it("listRuns() gets an array; the next page is in a Link header; a failure's error is a string", async () => {
    t = await startTestServer({ turns: [] });
    const started = Date.now() - 10_000;
    for (let i = 0; i < 3; i++) {
      await t.store.createRun({
        id: `run-${i}`,
        prompt: `p${i}`,
        startedAt: new Date(started + i),
      });
    }
    await t.store.finishRun("run-1", {
      status: "error",
      endedAt: new Date(started + 5000),
      durationSecs: 5,
      error: { code: "TIMEOUT", message: "the run took longer than 5 s" },
      filesCount: 0,
    });
    const all = await listRuns(t.url);
    expect(Array.isArray(all.runs)).toBe(true);
    expect(all.runs.map((r) => r.id)).toEqual(["run-2", "run-1", "run-0"]);
    expect(all.next).toBeUndefined();
    const failed = all.runs.find((r) => r.id === "run-1");
    expect(failed).toMatchObject({ status: "error", error: "the run took longer than 5 s" });
    expect(typeof failed?.error).toBe("string");
    expect(failed).toMatchObject({ errorCode: "TIMEOUT" });

    const first = await listRuns(t.url, "/runs?limit=2");
    expect(first.runs.map((r) => r.id)).toEqual(["run-2", "run-1"]);
    expect(first.next).toMatch(/^\/runs\?limit=2&cursor=/);
    const second = await listRuns(t.url, first.next);
    expect(second.runs.map((r) => r.id)).toEqual(["run-0"]);
    expect(second.next).toBeUndefined();
  });
});

const TURN_1: ScriptedTurn[] = [
  {
    text: "Writing it down.",
    toolCalls: [{ name: "bash", input: { command: "echo 42 > n.txt" } }],
  },
  { text: "The number is 42." },
];
const TURN_2: ScriptedTurn[] = [
  { toolCalls: [{ name: "bash", input: { command: "cat n.txt" } }] },
  { text: "It was 42." },
];
const ANSWER: ScriptedTurn[] = [{ text: "Hello there." }];

/**
 * Attaches to a session and reads the stream in the background; `opened` resolves once the server
 * answered, `until` once an event matching comes.
 */
function attach(client: ReturnType<typeof upstreamClient>, id: string) {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const stream = client.attachSession(id, { onOpen: () => open() });
  const seen: UpstreamEvent[] = [];
  const waiters: { match: (e: UpstreamEvent) => boolean; resolve: () => void }[] = [];
  const done = (async () => {
    for await (const event of stream) {
      seen.push(event);
      for (const waiter of waiters.filter((w) => w.match(event))) waiter.resolve();
    }
  })();
  return {
    seen,
    done,
    opened,
    until(match: (e: UpstreamEvent) => boolean): Promise<void> {
      if (seen.some(match)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

describe.skipIf(!hasService("bwrap"))(
  "the upstream SDK's contract, every call (local sandbox)",
  () => {
    it("health, query, listRuns, and a session: create (streams turn 1), message, attach, get, list, command, delete", async () => {
      t = await startTestServer({ turns: [...ANSWER, ...TURN_1, ...TURN_2] });
      const client = upstreamClient(t.url);
      expect(await client.health()).toMatchObject({ status: expect.any(String) });

      const answered = await collect(client.query({ prompt: "Say hello" }));
      expect(answered.at(-1)).toMatchObject({ type: "result", content: "Hello there." });
      const runs = await client.listRuns();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: "completed", prompt: "Say hello", filesCount: 0 });

      // createSession: session_created first, then turn 1 on the same stream.
      const first = await collect(
        client.createSession({
          prompt: "Remember 42",
          sessionConfig: { name: "demo", idleTimeoutSecs: 120, maxHistoryTurns: 10 },
        }),
      );
      expect(first[0]).toMatchObject({ type: "session_created", sessionId: expect.any(String) });
      const id = (first[0] as { sessionId: string }).sessionId;
      expect(first.at(-1)).toMatchObject({ type: "result", content: "The number is 42." });

      const session = await client.getSession(id);
      expect(session).toMatchObject({
        id,
        name: "demo",
        status: "active",
        sandboxProvider: "local",
        idleTimeoutMs: 120_000,
        totalTurns: 2,
        runs: [{ prompt: "Remember 42", status: "completed", numTurns: 2 }],
      });
      expect(typeof session.totalCostUsd).toBe("number");
      expect(Date.parse(session.lastActivityAt)).toBeGreaterThanOrEqual(
        Date.parse(session.createdAt),
      );
      expect(session.sandboxId === null || typeof session.sandboxId === "string").toBe(true);

      // attachSession sees the next turn, sent by another request; the turn sees turn 1.
      const attached = attach(client, id);
      await attached.opened;
      const second = await collect(
        client.sendSessionMessage(id, { prompt: "What was the number?" }),
      );
      expect(second.at(-1)).toMatchObject({ type: "result", content: "It was 42." });
      expect(second.find((e) => e.type === "tool_result")).toMatchObject({
        content: expect.stringContaining("42"),
      });
      await attached.until((e) => e.type === "result");
      expect(attached.seen.filter((e) => e.type === "result")).toEqual([second.at(-1)]);

      const status = await collect(client.sendSessionMessage(id, { prompt: "/status" }));
      expect(status).toEqual([
        expect.objectContaining({ type: "session_command_result", command: "status" }),
      ]);
      expect((status[0] as { data: { runsCount: number } }).data.runsCount).toBe(2);
      const files = await collect(client.sendSessionMessage(id, { prompt: "/files" }));
      expect(files).toEqual([
        expect.objectContaining({
          type: "session_command_result",
          command: "files",
          data: { files: ["/workspace/n.txt"], truncated: false },
        }),
      ]);
      expect((await t.store.sessions.get(id))?.history).toHaveLength(2);
      const cleared = await collect(client.sendSessionMessage(id, { prompt: "/clear" }));
      expect(cleared).toEqual([
        expect.objectContaining({ type: "session_command_result", command: "clear" }),
      ]);
      expect((await t.store.sessions.get(id))?.history).toEqual([]);

      // Our own listing of the session's turns (not upstream's): GET /runs?sessionId=.
      const turns = (await (await fetch(new URL(`/runs?sessionId=${id}`, t.url))).json()) as {
        prompt: string;
      }[];
      expect(turns.map((r) => r.prompt)).toEqual(["What was the number?", "Remember 42"]);
      const listed = await client.listSessions();
      expect(listed.find((s) => s.id === id)).toMatchObject({
        runsCount: 2,
        totalTurns: 4,
        name: "demo",
      });

      // deleteSession ends the attached stream with session_expired.
      await client.deleteSession(id);
      await attached.done;
      expect(attached.seen.at(-1)).toMatchObject({ type: "session_expired", sessionId: id });
      await expect(client.getSession(id)).rejects.toThrow(/^404/);
      await expect(collect(client.sendSessionMessage(id, { prompt: "again" }))).rejects.toThrow(
        /^404/,
      );
    });

    it("an attached client gets session_expired when the session idles out; our POST /sessions still answers 201", async () => {
      t = await startTestServer({ turns: ANSWER });
      const client = upstreamClient(t.url);
      const ours = await fetch(new URL("/sessions", t.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ idleTimeoutSecs: 30 }),
      });
      expect(ours.status).toBe(201);
      const { id } = (await ours.json()) as { id: string };
      const attached = attach(client, id);
      await attached.opened;
      expect(
        await t.sessions.sweepExpired(new Date(Date.now() + 31_000), AbortSignal.timeout(60_000)),
      ).toBe(1);
      await attached.done;
      expect(attached.seen).toEqual([
        expect.objectContaining({ type: "session_expired", sessionId: id }),
      ]);
      await expect(collect(client.sendSessionMessage(id, { prompt: "hi" }))).rejects.toThrow(
        /^410/,
      );
    });

    it("upstream-only providers are refused with 400 before anything starts", async () => {
      t = await startTestServer({ turns: ANSWER });
      const client = upstreamClient(t.url);
      await expect(
        collect(client.query({ prompt: "x", sandboxProvider: "vercel" })),
      ).rejects.toThrow(/^400/);
      await expect(
        collect(client.createSession({ prompt: "x", provider: "bedrock" })),
      ).rejects.toThrow(/^400/);
      expect(await client.listSessions()).toEqual([]);
      expect(await client.listRuns()).toEqual([]);
    });
  },
);
