// A run that waits for a slot: its client gets headers, X-Run-Id and a `system` `queued` event at
// once, and its onDisconnect policy holds while it waits (over real HTTP, one slot, a real sandbox).
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("condition not reached in 30 s");
}

/** One slot: the first run holds it (its model answers late) until the test cancels it. */
async function oneSlot(turns: Parameters<typeof startTestServer>[0]["turns"]) {
  const server = await startTestServer({
    turns,
    sandbox: "local",
    config: { limits: { maxConcurrentRuns: 1, maxQueuedRuns: 4, queueTimeoutSecs: 60 } },
  });
  servers.push(server);
  const holder = await postQuery(server.url, { prompt: "hold the slot" });
  const holderId = holder.headers.get("x-run-id") ?? "";
  // Read to its end in the background: a client that left would cancel it.
  void readEvents(holder).catch(() => undefined);
  // The holder has taken the model's first (slow) turn: the next run gets the next one.
  await waitFor(
    async () => server.double.requests.length,
    (n) => n >= 1,
  );
  return { server, holderId };
}

const cancel = (url: string, runId: string) =>
  fetch(`${url}/runs/${runId}/cancel`, { method: "POST" });

describe("a queued run", () => {
  it("is answered at once with its id and a queued event, then streams when a slot frees", async () => {
    const { server, holderId } = await oneSlot([
      { text: "slow", delayMs: 60_000 },
      { text: "the queued run ran" },
    ]);
    const queued = await postQuery(server.url, { prompt: "wait your turn" });
    expect(queued.status).toBe(200);
    expect(queued.headers.get("content-type")).toContain("text/event-stream");
    const runId = queued.headers.get("x-run-id") ?? "";
    expect(runId).toMatch(/^run_/);
    const events: string[] = [];
    const all = readEvents(queued, {
      until: (e) => {
        events.push(`${e.data.type}:${"subtype" in e.data ? e.data.subtype : ""}`);
        return e.data.type === "result" || e.data.type === "error";
      },
    });
    // The queued event arrives while the holder still runs.
    await waitFor(
      async () => events.length,
      (n) => n > 0,
    );
    expect(events[0]).toBe("system:queued");
    expect((await server.store.getRun(holderId))?.status).toBe("running");
    const received = await Promise.all([all, cancel(server.url, holderId)]).then(([e]) => e);
    expect(received[0]?.id).toBeUndefined(); // outside the run's numbered events
    expect(received[0]?.data).toMatchObject({ type: "system", subtype: "queued", runId });
    expect(received[1]?.data).toMatchObject({ type: "system", subtype: "init", runId });
    expect(received.at(-1)?.data.type).toBe("result");
  });

  it("onDisconnect continue: a client that leaves while queued does not lose the run", async () => {
    const { server, holderId } = await oneSlot([
      { text: "slow", delayMs: 60_000 },
      { text: "ran without its client" },
    ]);
    const controller = new AbortController();
    const queued = await postQuery(
      server.url,
      { prompt: "keep my place", onDisconnect: "continue" },
      {},
      controller.signal,
    );
    const runId = queued.headers.get("x-run-id") ?? "";
    await readEvents(queued, { until: (e) => e.data.type === "system" });
    controller.abort();
    await cancel(server.url, holderId);
    const run = await waitFor(
      () => server.store.getRun(runId),
      (r) => r !== undefined && r.status !== "running",
    );
    expect(run?.status).toBe("completed");
    const stored = (await server.store.readEvents(runId, 0, 1000)).map((e) => e.event);
    expect(stored.at(-1)?.type).toBe("result");
    expect(
      stored.some((e) => e.type === "assistant" && e.content === "ran without its client"),
    ).toBe(true);
  });

  it("onDisconnect cancel (default): a client that leaves while queued gives up its place", async () => {
    const { server, holderId } = await oneSlot([
      { text: "slow", delayMs: 60_000 },
      { text: "the next run" },
    ]);
    const controller = new AbortController();
    const queued = await postQuery(server.url, { prompt: "never mind" }, {}, controller.signal);
    const leftId = queued.headers.get("x-run-id") ?? "";
    await readEvents(queued, { until: (e) => e.data.type === "system" });
    controller.abort();
    // The server has seen the client go (its queue is empty) before the slot frees.
    await waitFor(
      async () =>
        (await (await fetch(`${server.url}/metrics`)).text()).match(
          /^sandcaster_queued_runs (\d+)$/m,
        )?.[1],
      (n) => n === "0",
    );
    await cancel(server.url, holderId);
    // The next request gets the freed slot and the model's next turn: the left run never started.
    const next = await readEvents(await postQuery(server.url, { prompt: "next" }));
    expect(next.at(-1)?.data).toMatchObject({ type: "result" });
    // Recorded when queued (its client had its id), it ended there without starting.
    expect(await server.store.getRun(leftId)).toMatchObject({
      status: "cancelled",
      errorCode: "CANCELLED",
    });
  });
});
