// /query on the e2b provider, end to end against the E2B wire double driven by the real e2b SDK.
import { type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents, types } from "./sse.js";

let t: TestServer | undefined;
let e2b: E2BDouble | undefined;
afterEach(async () => {
  await t?.close();
  await e2b?.close();
  t = undefined;
  e2b = undefined;
});

async function start(turns: Parameters<typeof startTestServer>[0]["turns"]) {
  e2b = await startE2BDouble();
  t = await startTestServer({ turns, sandbox: "e2b", e2b });
  return { server: t, double: e2b };
}

async function noneAlive(double: E2BDouble) {
  const deadline = Date.now() + 10_000;
  while (double.alive().length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  return double.alive();
}

// The E2B double runs commands only under bubblewrap.
describe.runIf(hasService("bwrap"))("a run on e2b", () => {
  it("streams a two-turn run live, records it, and leaves no sandbox alive", async () => {
    const { server, double } = await start([
      {
        toolCalls: [
          { name: "bash", input: { command: "echo made by the agent > made.txt && pwd" } },
        ],
      },
      { text: "All done.", delayMs: 1500, usage: { inputTokens: 100, outputTokens: 10 } },
    ]);
    const response = await postQuery(server.url, { prompt: "make a file", model: "haiku" });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events[0]?.data).toMatchObject({
      type: "system",
      subtype: "init",
      sandboxProvider: "e2b",
    });
    const seen = types(events);
    expect(seen).toContain("tool_use");
    const toolUse = events.find((e) => e.data.type === "tool_use");
    const result = events.find((e) => e.data.type === "result");
    // live: the tool call arrived while the model was still pausing before its answer
    expect((result?.at ?? 0) - (toolUse?.at ?? 0)).toBeGreaterThan(1000);
    expect(events.find((e) => e.data.type === "tool_result")?.data).toMatchObject({
      isError: false,
      content: "/home/user/workspace\n",
    });
    expect(events.filter((e) => e.data.type === "file").map((e) => e.data)).toEqual([
      { type: "file", path: "made.txt", content: "made by the agent\n" },
    ]);
    expect(result?.data).toMatchObject({
      type: "result",
      subtype: "success",
      content: "All done.",
    });
    expect(await noneAlive(double)).toEqual([]);
    expect(await server.store.getRun(runId)).toMatchObject({
      status: "completed",
      sandboxProvider: "e2b",
    });
    // the sandbox was labelled for sweeps, and the model key stayed out of its environment
    const created = double.requests.find(
      (r) => r.method === "POST" && r.path.endsWith("/sandboxes"),
    );
    expect(created).toBeDefined();
  });

  it("leaves no sandbox after a client disconnect, a timeout, or a runner crash", async () => {
    const { server, double } = await start([
      { toolCalls: [{ name: "bash", input: { command: "sleep 60" } }] },
      { text: "too slow", delayMs: 60_000 },
      { toolCalls: [{ name: "bash", input: { command: "kill -9 $PPID" } }] },
    ]);
    const controller = new AbortController();
    const first = await postQuery(server.url, { prompt: "hang" }, {}, controller.signal);
    await readEvents(first, { until: (e) => e.data.type === "tool_use" }).catch(() => []);
    controller.abort();
    expect(await noneAlive(double)).toEqual([]);

    const slow = await readEvents(await postQuery(server.url, { prompt: "slow", timeout: 5 }));
    expect(slow.at(-1)?.data).toMatchObject({ type: "error", code: "TIMEOUT" });
    expect(await noneAlive(double)).toEqual([]);

    const crash = await readEvents(await postQuery(server.url, { prompt: "crash" }));
    expect(crash.at(-1)?.data).toMatchObject({ type: "error", code: "RUNNER_CRASHED" });
    expect(await noneAlive(double)).toEqual([]);
  });

  it("maps 401, 429 (with and without Retry-After) and a lost sandbox to coded errors, and records them", async () => {
    const { server, double } = await start([
      { text: "after the retry" },
      { toolCalls: [{ name: "bash", input: { command: "sleep 30" } }] },
    ]);
    double.inject({ kind: "status", status: 401 });
    const auth = await readEvents(await postQuery(server.url, { prompt: "a" }));
    expect(auth.at(-1)?.data).toMatchObject({
      type: "error",
      code: "SANDBOX_AUTH",
      hint: expect.stringContaining("E2B_API_KEY"),
    });

    double.inject({ kind: "status", status: 429, retryAfterSecs: 1, times: 1 });
    const retried = await readEvents(await postQuery(server.url, { prompt: "b" }));
    expect(retried.at(-1)?.data).toMatchObject({ type: "result", content: "after the retry" });

    const lost = await postQuery(server.url, { prompt: "d" });
    const lostId = lost.headers.get("x-run-id") ?? "";
    const reading = readEvents(lost, {
      until: (e) => {
        if (e.data.type === "tool_use") {
          const sandbox = double.alive()[0];
          if (sandbox) double.inject({ kind: "lose-sandbox", sandboxId: sandbox.sandboxId });
        }
        return false;
      },
    });
    expect((await reading).at(-1)?.data).toMatchObject({ type: "error", code: "SANDBOX_LOST" });
    expect(await server.store.getRun(lostId)).toMatchObject({
      status: "error",
      errorCode: "SANDBOX_LOST",
    });
    // last: the injected 429s outlast this run's retries
    double.inject({ kind: "status", status: 429, times: 10 });
    const limited = await postQuery(server.url, { prompt: "c" });
    const limitedId = limited.headers.get("x-run-id") ?? "";
    expect((await readEvents(limited)).at(-1)?.data).toMatchObject({
      type: "error",
      code: "SANDBOX_RATE_LIMITED",
    });
    expect(await server.store.getRun(limitedId)).toMatchObject({
      status: "error",
      errorCode: "SANDBOX_RATE_LIMITED",
    });

    expect(await noneAlive(double)).toEqual([]);
  });

  it("runs on the request's own E2B key, and a wrong one is SANDBOX_AUTH", async () => {
    const { server } = await start([{ text: "with my key" }]);
    const ok = await readEvents(
      await postQuery(server.url, { prompt: "x", apiKeys: { e2b: e2b?.apiKey ?? "" } }),
    );
    expect(ok.at(-1)?.data).toMatchObject({ type: "result", content: "with my key" });
    const wrong = await readEvents(
      await postQuery(server.url, { prompt: "y", apiKeys: { e2b: "e2b_wrong_key_123" } }),
    );
    expect(wrong.at(-1)?.data).toMatchObject({ type: "error", code: "SANDBOX_AUTH" });
    expect(JSON.stringify(wrong)).not.toContain("e2b_wrong_key_123");
  });
});
