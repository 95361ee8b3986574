// A client that stops reading an event stream: the server buffers only so much for it, then stops
// its run with CLIENT_TOO_SLOW (its socket's back-pressure must reach the run's event channel).
import { connect } from "node:net";
import {
  createScriptedSandboxProvider,
  floodRunLines,
  type ScriptedLine,
} from "@sandcaster/testkit";
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** agent_start, then `count` deltas of `size` characters each, then a result (never reached). */
function* bigDeltas(count: number, size: number): Generator<ScriptedLine> {
  const [start, result] = [...floodRunLines(0)];
  if (start) yield start;
  const line = JSON.stringify({ type: "assistant", subtype: "delta", content: "x".repeat(size) });
  for (let i = 0; i < count; i++) yield { delayMs: 0, line };
  if (result) yield result;
}

it("a client that stops reading gets its run stopped with CLIENT_TOO_SLOW", async () => {
  // 64 MB of events: beyond the 16 MB the run may buffer plus what the kernel's socket buffers hold.
  t = await startTestServer({
    turns: [],
    // Scripted sandboxes call no model: the gateway is opened at a URL nothing dials.
    config: { gateway: { publicUrl: "http://127.0.0.1:9/gateway" } },
    wrapProvider: () =>
      createScriptedSandboxProvider({ name: "local", lines: () => bigDeltas(1024, 64 * 1024) }),
  });
  const url = new URL(t.url);
  const socket = connect(Number(url.port), url.hostname);
  try {
    const body = JSON.stringify({
      prompt: "flood",
      apiKeys: { anthropic: "sk-ant-test-key-1234" },
    });
    socket.write(
      `POST /query HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Reads the head, then nothing more.
    const head = await new Promise<string>((resolve, reject) => {
      socket.once("error", reject);
      socket.once("data", (chunk) => {
        socket.pause();
        resolve(chunk.toString("latin1"));
      });
    });
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    const runId = /\r\nx-run-id: (\S+)\r\n/i.exec(head)?.[1];
    expect(runId).toMatch(/^run_/);
    const store = t.store;
    let record = await store.getRun(String(runId));
    // The run ends by itself (the overflow cancels it); vitest's timeout bounds the wait.
    while (record?.status === "running" || record?.status === "queued") {
      await new Promise((resolve) => setTimeout(resolve, 100));
      record = await store.getRun(String(runId));
    }
    expect(record).toMatchObject({ status: "error", errorCode: "CLIENT_TOO_SLOW" });
  } finally {
    socket.destroy();
  }
}, 60_000);
