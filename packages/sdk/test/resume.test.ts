// Automatic resume through a TCP proxy that cuts or stalls the stream: every event once, in order.
import { afterEach, describe, expect, it } from "vitest";
import { APIConnectionError, createClient, type RunStream } from "../src/index.js";
import {
  eventually,
  SLOW_TWO_TURNS,
  sandboxGone,
  startTestServer,
  type TestServer,
} from "./harness.js";
import { startTcpProxy } from "./tcp-proxy.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  cleanups.push(() => server.close());
  const proxy = await startTcpProxy(server.url);
  cleanups.push(() => proxy.close());
  return { server, proxy };
}

type Seen = [id: number | undefined, event: string];

/** Reads a stream, noting each event with its id; `onEvent` may act on the way (cut, stall, break). */
async function read(
  stream: RunStream,
  /** Returning true stops reading (a `break`). */
  onEvent: (type: string) => unknown = () => false,
) {
  const seen: Seen[] = [];
  for await (const event of stream) {
    seen.push([stream.lastEventId, JSON.stringify(event)]);
    if (onEvent(event.type) === true) break;
  }
  return seen;
}

/** The run's events as the server stored them, read straight from the server. */
async function replay(server: TestServer, runId: string) {
  return read(createClient({ baseUrl: server.url }).runs.events(runId));
}

function expectEachOnceInOrder(seen: Seen[]) {
  const ids = seen.map(([id]) => id);
  expect(ids).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
}

describe("resume", () => {
  it('onDisconnect "continue": a cut mid-stream is resumed with Last-Event-ID, every event once', async () => {
    const { server, proxy } = await start({ turns: SLOW_TWO_TURNS });
    const client = createClient({ baseUrl: proxy.url });
    const stream = client.query({ prompt: "go", onDisconnect: "continue" });
    let cut = false;
    const seen = await read(stream, (type) => {
      if (type === "tool_use" && !cut) {
        cut = true;
        proxy.cut();
      }
    });
    expect(cut).toBe(true);
    expect(proxy.connections).toBeGreaterThanOrEqual(2);
    expectEachOnceInOrder(seen);
    expect(seen).toEqual(await replay(server, stream.runId ?? ""));
    await expect(stream.finalResult()).resolves.toMatchObject({ content: "Finished." });
    expect(await client.runs.get(stream.runId ?? "")).toMatchObject({ status: "completed" });
  });

  it("a stalled connection the server does not notice: the idle timeout reconnects and the run completes", async () => {
    const { server, proxy } = await start({ turns: SLOW_TWO_TURNS, heartbeatMs: 200 });
    const client = createClient({ baseUrl: proxy.url, idleTimeoutMs: 1000 });
    const stream = client.query({ prompt: "go" });
    let stalled = false;
    const seen = await read(stream, (type) => {
      if (type === "tool_use" && !stalled) {
        stalled = true;
        proxy.stall();
      }
    });
    expect(stalled).toBe(true);
    expectEachOnceInOrder(seen);
    expect(seen).toEqual(await replay(server, stream.runId ?? ""));
    expect(await client.runs.get(stream.runId ?? "")).toMatchObject({ status: "completed" });
  });

  it('default "cancel" policy: leaving a resumed stream cancels the run (POST /runs/:id/cancel)', async () => {
    const { server, proxy } = await start({
      turns: [
        { toolCalls: [{ name: "bash", input: { command: "sleep 1.5; echo tick" } }] },
        { toolCalls: [{ name: "bash", input: { command: "sleep 60" } }] },
      ],
      heartbeatMs: 200,
    });
    const client = createClient({ baseUrl: proxy.url, idleTimeoutMs: 1000 });
    const stream = client.query({ prompt: "go" });
    let toolUses = 0;
    await read(stream, (type) => {
      if (type !== "tool_use") return false;
      toolUses++;
      if (toolUses === 1) proxy.stall();
      // The second tool call arrives over the resumed connection; the stalled one still looks alive.
      return toolUses === 2;
    });
    expect(toolUses).toBe(2);
    const direct = createClient({ baseUrl: server.url });
    const run = await eventually(async () => {
      const record = await direct.runs.get(stream.runId ?? "");
      return record.status === "cancelled" ? record : undefined;
    }, 5000);
    expect(run.errorCode).toBe("CANCELLED");
    await sandboxGone(stream.runId ?? "");
  });

  it("gives up after maxRetries reconnects without an event and says why", async () => {
    const { proxy } = await start({ turns: SLOW_TWO_TURNS });
    const client = createClient({ baseUrl: proxy.url, maxRetries: 2 });
    const stream = client.query({ prompt: "go", onDisconnect: "continue" });
    const reading = read(stream, (type) => {
      if (type === "tool_use") {
        proxy.refuse();
        proxy.cut();
      }
    });
    const error = await reading.catch((e: unknown) => e);
    expect(APIConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/could not resume it \(2 retries\)/);
    await expect(stream.finalResult()).rejects.toBe(error);
  });
});
