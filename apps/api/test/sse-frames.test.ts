// The exact bytes on the wire: SSE frames, heartbeat comments, and logs that name the run but never a key.
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery } from "./sse.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

it("writes id/event/data frames and heartbeat comments while the model is slow", async () => {
  const logLines: string[] = [];
  t = await startTestServer({
    turns: [{ text: "slow answer", delayMs: 700 }],
    heartbeatMs: 200,
    logLines,
  });
  const response = await postQuery(t.url, {
    prompt: "hi",
    apiKeys: { anthropic: "sk-ant-request-key-1234" },
  });
  const runId = response.headers.get("x-run-id");
  const raw = await response.text();

  const frames = raw.split("\n\n").filter(Boolean);
  expect(frames[0]).toBe(
    `event: system\ndata: ${JSON.stringify({
      type: "system",
      subtype: "init",
      content: "run started",
      runId,
      model: "claude-sonnet-4-6",
      provider: "anthropic",
      sandboxProvider: "local",
    })}\nid: 1`,
  );
  expect(frames.filter((f) => f === ": heartbeat").length).toBeGreaterThanOrEqual(2);
  const dataFrames = frames.filter((f) => !f.startsWith(":"));
  dataFrames.forEach((frame, i) => {
    const [event, data, id, ...rest] = frame.split("\n");
    expect(rest).toEqual([]);
    expect(id).toBe(`id: ${i + 1}`);
    expect(event).toBe(`event: ${JSON.parse(data?.slice("data: ".length) ?? "{}").type}`);
  });
  expect(dataFrames.at(-1)).toContain('"type":"result"');

  // the request's key reached the model (put on the call by the host's gateway), and nothing else
  expect(t.double.requests[0]?.headers["x-api-key"]).toBe("sk-ant-request-key-1234");
  expect(raw).not.toContain("sk-ant-request-key-1234");
  const logs = logLines.join("");
  expect(logs).not.toContain("sk-ant-request-key-1234");
  expect(logs).not.toContain("sk-ant-test-secret-key");
  const serverLines = new Set([
    "request",
    "sandcaster listening",
    "shutting down: draining",
    "shut down",
  ]);
  // The local provider's one-time note about the host (no cgroups) is about the server, not a run.
  const runLines = logLines
    .map((l) => JSON.parse(l))
    .filter((l) => !serverLines.has(l.msg) && !String(l.msg).startsWith("local sandbox provider:"));
  expect(runLines.length).toBeGreaterThan(1);
  for (const line of runLines) expect(line, line.msg).toMatchObject({ runId });
});
