// client.runs and client.health against a real server: pagination, get, events(after), cancel.
import { afterEach, describe, expect, it } from "vitest";
import {
  createClient,
  type RunEvent,
  RunFailedError,
  type RunRecord,
  SandcasterError,
} from "../src/index.js";
import { HANGING, startTestServer, type TestServer } from "./harness.js";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe("runs", () => {
  it("lists every run across pages, one page at a time, or filtered by status", async () => {
    const server = await start({ turns: [{ text: "one" }, { text: "two" }, { text: "three" }] });
    const client = createClient({ baseUrl: server.url });
    const ids: string[] = [];
    for (const prompt of ["first", "second", "third"]) {
      const stream = client.query({ prompt });
      await stream.finalResult();
      ids.push(stream.runId ?? "");
    }
    const newestFirst = [...ids].reverse();

    const all = await collect(client.runs.list({ limit: 2 }));
    expect(all.map((r) => r.id)).toEqual(newestFirst);
    const pages = await collect(client.runs.list({ limit: 2 }).pages());
    expect(pages.map((p) => p.runs.length)).toEqual([2, 1]);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();

    const first = await client.runs.page({ limit: 2 });
    expect(first.runs.map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.runs.page({ limit: 2, cursor: first.nextCursor });
    expect(second.runs.map((r) => r.id)).toEqual(newestFirst.slice(2));
    // A paginator can start from a cursor too.
    const rest = await collect(client.runs.list({ limit: 2, cursor: first.nextCursor }));
    expect(rest.map((r) => r.id)).toEqual(newestFirst.slice(2));

    expect(await collect(client.runs.list({ status: "completed", limit: 1 }))).toHaveLength(3);
    expect(await collect(client.runs.list({ status: "cancelled" }))).toEqual([]);
    // sessionId reaches the server: these runs are no session's turns.
    expect(await collect(client.runs.list({ sessionId: "ses_none" }))).toEqual([]);
  });

  it("get() returns the record; events() replays a run, from the start or after an id", async () => {
    const server = await start({
      turns: [
        { text: "Looking.", toolCalls: [{ name: "bash", input: { command: "echo hi" } }] },
        { text: "Done." },
      ],
    });
    const client = createClient({ baseUrl: server.url });
    const live = client.query({ prompt: "go", metadata: { ticket: "T-1" } });
    const liveEvents = await collect(live);
    const runId = live.runId ?? "";

    const record: RunRecord = await client.runs.get(runId);
    expect(record).toMatchObject({
      id: runId,
      status: "completed",
      prompt: "go",
      numTurns: 2,
      sandboxProvider: "local",
      metadata: { ticket: "T-1" },
    });

    const replay = client.runs.events(runId);
    expect(await collect(replay)).toEqual(liveEvents);
    expect(replay.runId).toBe(runId);
    await expect(replay.finalResult()).resolves.toMatchObject({ content: "Done." });

    const tail = client.runs.events(runId, { after: 3 });
    const tailEvents: [number | undefined, RunEvent][] = [];
    for await (const event of tail) tailEvents.push([tail.lastEventId, event]);
    expect(tailEvents[0]?.[0]).toBe(4);
    expect(tailEvents.map(([, e]) => e)).toEqual(liveEvents.slice(3));

    // After the last event: nothing left to read, and no result in this stream.
    const past = client.runs.events(runId, { after: liveEvents.length });
    expect(await collect(past)).toEqual([]);
    const error = await past.finalResult().catch((e: unknown) => e);
    expect(SandcasterError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /completed, but its result event was not in this stream/,
    );
  });

  it("cancel() stops a running run: its streams end in error CANCELLED; cancelling again is idempotent", async () => {
    const server = await start({ turns: HANGING });
    const client = createClient({ baseUrl: server.url });
    const stream = client.query({ prompt: "hang" });
    const events = stream[Symbol.asyncIterator]();
    let next = await events.next();
    while (!next.done && next.value.type !== "tool_use") next = await events.next();
    const runId = stream.runId ?? "";
    // A second reader of the live run: replays what happened so far, then follows it.
    const watcher = client.runs.events(runId);
    const watching = collect(watcher);

    expect(await client.runs.cancel(runId)).toEqual({ id: runId, status: "cancelling" });
    const rest: RunEvent[] = [];
    for (next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
    expect(rest.at(-1)).toMatchObject({ type: "error", code: "CANCELLED" });
    const failure = await stream.finalResult().catch((e: unknown) => e);
    expect(RunFailedError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: "CANCELLED", runId });

    expect((await watching).at(-1)).toMatchObject({ type: "error", code: "CANCELLED" });
    await expect(watcher.finalResult()).rejects.toMatchObject({ code: "CANCELLED" });
    expect(await client.runs.cancel(runId)).toEqual({ id: runId, status: "cancelled" });
    expect(await client.runs.get(runId)).toMatchObject({ status: "cancelled" });
  });

  it("health() answers without an API key", async () => {
    const server = await start({ turns: [], apiKey: "the-key" });
    expect(await createClient({ baseUrl: server.url }).health()).toEqual({
      status: "ok",
      version: "test",
    });
  });
});
