// client.query() against a real server: typed events, runId, finalResult, and leaving early cancels the run.
import { afterEach, describe, expect, it } from "vitest";
import {
  APIUserAbortError,
  createClient,
  isKnownEvent,
  type RunEvent,
  RunFailedError,
} from "../src/index.js";
import { eventually, HANGING, sandboxGone, startTestServer, type TestServer } from "./harness.js";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: Parameters<typeof startTestServer>[0]) {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

const TWO_TURNS = [
  {
    text: "Let me look.",
    toolCalls: [{ name: "bash", input: { command: "echo hello from the sandbox" } }],
  },
  { text: "All done." },
];

/** Waits until the run record reaches `status`. */
function recordReaches(url: string, runId: string, status: string) {
  const client = createClient({ baseUrl: url });
  return eventually(async () => {
    const run = await client.runs.get(runId);
    return run.status === status ? run : undefined;
  });
}

describe("query", () => {
  it("streams a scripted two-turn run as typed events, with runId and finalResult", async () => {
    const server = await start({ turns: TWO_TURNS });
    const client = createClient({ baseUrl: server.url });
    const stream = client.query({ prompt: "say hello" });
    const events: RunEvent[] = [];
    let answer = "";
    let toolOutput = "";
    for await (const event of stream) {
      events.push(event);
      if (!isKnownEvent(event)) continue;
      // Narrowed by `type`: each branch sees its own fields, typed.
      switch (event.type) {
        case "system":
          if (event.subtype === "init") expect(stream.runId).toBe(event.runId);
          break;
        case "assistant":
          if (event.subtype === "delta") answer += event.content;
          break;
        case "tool_result":
          toolOutput += event.content;
          expect(event.isError).toBe(false);
          break;
      }
    }
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("system");
    expect(types).toEqual(expect.arrayContaining(["assistant", "tool_use", "tool_result"]));
    expect(types.at(-1)).toBe("result");
    expect(toolOutput).toContain("hello from the sandbox");
    expect(answer).toBe("Let me look.All done.");
    expect(stream.runId).toMatch(/^run_/);
    expect(stream.requestId).toMatch(/^req_/);
    expect(stream.lastEventId).toBe(events.length);

    const result = await stream.finalResult();
    expect(result).toMatchObject({ type: "result", content: "All done.", numTurns: 2 });
    expect(result.usage?.outputTokens).toBeGreaterThan(0);
    // The stream ends after the server recorded the outcome.
    expect(await client.runs.get(stream.runId ?? "")).toMatchObject({
      status: "completed",
      numTurns: 2,
    });
  });

  it("finalResult() reads the stream itself when nobody iterates it; a second reader is refused", async () => {
    const server = await start({ turns: [{ text: "Just this." }] });
    const stream = createClient({ baseUrl: server.url }).query({ prompt: "one turn" });
    await expect(stream.finalResult()).resolves.toMatchObject({ content: "Just this." });
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/read once/);
  });

  it("finalResult() rejects with RunFailedError carrying the error event's code", async () => {
    const server = await start({ turns: [{ error: { status: 401, message: "bad key" } }] });
    const stream = createClient({ baseUrl: server.url }).query({ prompt: "fail" });
    const error = await stream.finalResult().catch((e: unknown) => e);
    expect(RunFailedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "MODEL_AUTH_FAILED", runId: stream.runId });
  });

  it("aborting through the caller's signal throws APIUserAbortError and the run ends cancelled", async () => {
    const server = await start({ turns: HANGING });
    const controller = new AbortController();
    const stream = createClient({ baseUrl: server.url }).query(
      { prompt: "hang" },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event.type);
        if (event.type === "tool_use") controller.abort();
      }
    })();
    await expect(reading).rejects.toBeInstanceOf(APIUserAbortError);
    await expect(stream.finalResult()).rejects.toBeInstanceOf(APIUserAbortError);
    expect(seen.at(-1)).toBe("tool_use");
    const run = await recordReaches(server.url, stream.runId ?? "", "cancelled");
    expect(run.errorCode).toBe("CANCELLED");
    await sandboxGone(stream.runId ?? "");
  });

  it("leaving the for-await loop early closes the request and the run ends cancelled", async () => {
    const server = await start({ turns: HANGING });
    const stream = createClient({ baseUrl: server.url }).query({ prompt: "hang" });
    for await (const event of stream) {
      if (event.type === "tool_use") break;
    }
    await expect(stream.finalResult()).rejects.toBeInstanceOf(APIUserAbortError);
    await recordReaches(server.url, stream.runId ?? "", "cancelled");
    await sandboxGone(stream.runId ?? "");
  });
});
