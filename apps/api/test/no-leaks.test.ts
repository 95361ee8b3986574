// Every way a run can end early leaves zero sandboxes and processes behind, and says why.
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(
  sandbox: "local" | "docker",
  turns: Parameters<typeof startTestServer>[0]["turns"],
) {
  t = await startTestServer({
    turns,
    sandbox,
    ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
  });
  return t;
}

async function waitForStatus(server: TestServer, runId: string, status: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const run = await server.store.getRun(runId);
    if (run?.status === status || Date.now() > deadline) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(SANDBOXES)("on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "a client that hangs up mid-run cancels it and the sandbox is destroyed",
    async () => {
      const server = await start(sandbox, [
        { toolCalls: [{ name: "bash", input: { command: "sleep 60" } }] },
        { text: "never reached" },
      ]);
      const controller = new AbortController();
      const response = await postQuery(server.url, { prompt: "hang" }, {}, controller.signal);
      const runId = response.headers.get("x-run-id") ?? "";
      await readEvents(response, { until: (e) => e.data.type === "tool_use" }).catch(() => []);
      controller.abort();
      expect(await expectNoLeftovers(runId)).toEqual([]);
      const run = await waitForStatus(server, runId, "cancelled");
      expect(run).toMatchObject({ status: "cancelled", errorCode: "CANCELLED" });
    },
  );

  it.skipIf(!enabled)(
    "a run past its timeout ends with TIMEOUT and the sandbox is destroyed",
    async () => {
      const server = await start(sandbox, [{ text: "too slow", delayMs: 60_000 }]);
      const started = Date.now();
      const response = await postQuery(server.url, { prompt: "slow", timeout: 5 });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(events.at(-1)?.data).toMatchObject({
        type: "error",
        code: "TIMEOUT",
        hint: expect.any(String),
      });
      expect(await expectNoLeftovers(runId)).toEqual([]);
      expect(await server.store.getRun(runId)).toMatchObject({
        status: "error",
        errorCode: "TIMEOUT",
      });
    },
  );

  it.skipIf(!enabled)("a runner that dies without a result yields RUNNER_CRASHED", async () => {
    const server = await start(sandbox, [
      {
        toolCalls: [{ name: "bash", input: { command: "echo 'about to die' >&2; kill -9 $PPID" } }],
      },
      { text: "never reached" },
    ]);
    const response = await postQuery(server.url, { prompt: "crash" });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    const last = events.at(-1)?.data;
    expect(last).toMatchObject({ type: "error", code: "RUNNER_CRASHED" });
    expect(last?.type === "error" && last.content).toMatch(/signal SIGKILL|exit code 137/);
    expect(JSON.stringify(events)).not.toContain("sk-ant-test-secret-key");
    expect(await expectNoLeftovers(runId)).toEqual([]);
    expect(await server.store.getRun(runId)).toMatchObject({
      status: "error",
      errorCode: "RUNNER_CRASHED",
    });
  });
});
