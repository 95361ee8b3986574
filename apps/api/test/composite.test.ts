// Composite workflows end to end: a scripted agent spawns two sandboxes, runs a command in each in
// parallel, moves a file a → b → primary and reads it there; limits come back as tool errors; and
// no sandbox survives the run — after success, timeout, cancel or a runner crash.
import type { SandcasterEvent } from "@sandcaster/protocol";
import { type E2BDouble, type ScriptedTurn, startE2BDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const call = (name: string, input: Record<string, unknown>) => ({ name, input });

const FAN_OUT: ScriptedTurn[] = [
  {
    // exec_in "a" in the same turn as its spawn: it waits for the spawn (same sandbox)
    toolCalls: [
      call("spawn_sandbox", { name: "a" }),
      call("spawn_sandbox", { name: "b" }),
      call("exec_in", { sandbox: "a", command: "echo ready-a" }),
    ],
  },
  {
    toolCalls: [
      call("exec_in", {
        sandbox: "a",
        command: "echo start-a; sleep 1; printf 'alpha\\n' > a.txt; echo end-a",
      }),
      call("exec_in", { sandbox: "b", command: "echo start-b; sleep 1; echo end-b" }),
    ],
  },
  { toolCalls: [call("transfer_files", { from: "a", to: "b", paths: ["a.txt"] })] },
  {
    toolCalls: [
      call("exec_in", { sandbox: "b", command: "cat a.txt" }),
      call("transfer_files", { from: "a", to: "primary", paths: ["a.txt"] }),
    ],
  },
  {
    toolCalls: [
      call("read_file", { path: "a.txt" }),
      call("spawn_sandbox", { name: "c" }),
      call("spawn_sandbox", { name: "d", provider: "e2b" }),
      call("list_sandboxes", {}),
    ],
  },
  { toolCalls: [call("kill_sandbox", { name: "a" })] },
  { toolCalls: [call("exec_in", { sandbox: "a", command: "true" })] },
  { text: "fanned out and back" },
];

function results(events: ReceivedEvent[], toolName: string) {
  return events
    .map((e) => e.data)
    .filter((d): d is Extract<SandcasterEvent, { type: "tool_result" }> => d.type === "tool_result")
    .filter((d) => d.toolName === toolName);
}

function outputIndex(events: ReceivedEvent[], text: string): number {
  return events.findIndex((e) => e.data.type === "tool_output" && e.data.content.includes(text));
}

describe.each(SANDBOXES)("composite workflow on $sandbox", ({ sandbox, enabled }) => {
  const server = async (turns: ScriptedTurn[]) =>
    startTestServer({
      turns,
      sandbox,
      ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
    });

  it.skipIf(!enabled)(
    "spawns two sandboxes, runs in both at once, moves a file a → b → primary, enforces limits",
    async () => {
      t = await server(FAN_OUT);
      const response = await postQuery(t.url, {
        prompt: "fan out",
        composite: { maxSandboxes: 2 },
      });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "fanned out and back" });

      const spawned = results(events, "spawn_sandbox").slice(0, 2);
      expect(spawned.map((r) => [r.sandbox, r.isError]).sort()).toEqual([
        ["a", false],
        ["b", false],
      ]);
      // Both commands had started before either ended: they ran in parallel.
      const starts = [outputIndex(events, "start-a"), outputIndex(events, "start-b")];
      const ends = [outputIndex(events, "end-a"), outputIndex(events, "end-b")];
      expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
      const live = events.find((e) => e.data.type === "tool_output")?.data;
      expect(live).toMatchObject({ toolName: "exec_in", stream: "stdout" });
      expect(["a", "b"]).toContain(live?.type === "tool_output" ? live.sandbox : "");
      const uses = events.map((e) => e.data).filter((d) => d.type === "tool_use");
      expect(uses.find((d) => d.toolName === "exec_in")).toMatchObject({ sandbox: "a" });

      const execs = results(events, "exec_in");
      expect(execs[0]).toMatchObject({
        isError: false,
        sandbox: "a",
        content: expect.stringContaining("ready-a"),
      });
      expect(execs[3]).toMatchObject({
        isError: false,
        sandbox: "b",
        content: expect.stringContaining("alpha"),
      });
      expect(results(events, "transfer_files")).toEqual([
        expect.objectContaining({ isError: false, content: expect.stringContaining("6 bytes") }),
        expect.objectContaining({ isError: false, sandbox: "primary" }),
      ]);
      expect(results(events, "read_file")[0]?.content).toContain("alpha");
      // Limits and refusals are tool errors the agent sees; the run goes on.
      const refused = Object.fromEntries(
        results(events, "spawn_sandbox")
          .slice(2)
          .map((r) => [r.sandbox, r]),
      );
      expect(refused.c).toMatchObject({
        isError: true,
        content: expect.stringContaining("at most 2"),
      });
      expect(refused.d).toMatchObject({
        isError: true,
        content: expect.stringContaining('provider "e2b" is not allowed'),
      });
      expect(results(events, "list_sandboxes")[0]?.content).toMatch(/primary.*\n.*a\t.*\n.*b\t/s);
      expect(results(events, "kill_sandbox")[0]).toMatchObject({ isError: false });
      expect(execs[4]).toMatchObject({
        isError: true,
        content: expect.stringContaining('no sandbox named "a"'),
      });
      // The copied file is the run's own output.
      expect(events.find((e) => e.data.type === "file")?.data).toMatchObject({
        path: "a.txt",
        content: "alpha\n",
      });
      // Host requests never reach the client.
      expect(JSON.stringify(events)).not.toContain("sandcaster_host_request");
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!enabled)(
    "live exec output stops after its budget with a warning; the agent still gets its result",
    async () => {
      t = await server([
        { toolCalls: [call("spawn_sandbox", { name: "noisy" })] },
        {
          toolCalls: [
            call("exec_in", {
              sandbox: "noisy",
              command: "node -e \"process.stdout.write('x'.repeat(600000)); console.log('END')\"",
            }),
          ],
        },
        { text: "done" },
      ]);
      const events = await readEvents(await postQuery(t.url, { prompt: "noise", composite: {} }));
      expect(events.at(-1)?.data).toMatchObject({ type: "result" });
      const streamed = events
        .map((e) => e.data)
        .filter((d) => d.type === "tool_output")
        .reduce((sum, d) => sum + d.content.length, 0);
      expect(streamed).toBeLessThanOrEqual(256 * 1024 + 128 * 1024);
      // by its code: without bubblewrap the local sandbox's unisolated notice is a warning too
      const warnings = events.map((e) => e.data).filter((d) => d.type === "warning");
      expect(warnings).toContainEqual(expect.objectContaining({ code: "TOOL_OUTPUT_CUT" }));
      expect(results(events, "exec_in")[0]).toMatchObject({
        isError: false,
        content: expect.stringContaining("END"),
      });
    },
    60_000,
  );

  const SLOW: ScriptedTurn[] = [
    { toolCalls: [call("spawn_sandbox", { name: "worker" })] },
    { toolCalls: [call("exec_in", { sandbox: "worker", command: "echo working; sleep 60" })] },
    { text: "never" },
  ];

  it.skipIf(!enabled)(
    "a timeout leaves no sandbox behind",
    async () => {
      t = await server(SLOW);
      const response = await postQuery(t.url, { prompt: "slow", timeout: 5, composite: {} });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "TIMEOUT" });
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!enabled)(
    "a cancel leaves no sandbox behind",
    async () => {
      t = await server(SLOW);
      const running = t;
      const response = await postQuery(running.url, { prompt: "slow", composite: {} });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response, {
        until: (e) => {
          if (e.data.type === "tool_output" && e.data.content.includes("working")) {
            void fetch(new URL(`/runs/${runId}/cancel`, running.url), { method: "POST" });
          }
          return e.data.type === "error";
        },
      });
      expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "CANCELLED" });
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!enabled)(
    "a runner crash leaves no sandbox behind",
    async () => {
      t = await server([
        { toolCalls: [call("spawn_sandbox", { name: "worker" })] },
        { toolCalls: [call("bash", { command: "kill -9 $PPID" })] },
        { text: "never" },
      ]);
      const response = await postQuery(t.url, { prompt: "crash", composite: {} });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      expect(results(events, "spawn_sandbox")[0]).toMatchObject({ isError: false });
      expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "RUNNER_CRASHED" });
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
    60_000,
  );

  // The container's main process boots a runner as a docker sandbox starts (its last arguments
  // say where: the host dir); a secondary never runs one, so it must not be booted there.
  it.skipIf(!enabled || sandbox !== "docker")(
    "a docker secondary boots no runner as it starts; the primary does",
    async () => {
      // (The test image has node but not coreutils' tr.)
      const lastArgument = `node -p "require('fs').readFileSync('/proc/1/cmdline', 'latin1').split(String.fromCharCode(0)).filter(Boolean).pop()"`;
      t = await server([
        {
          toolCalls: [
            call("spawn_sandbox", { name: "worker" }),
            call("exec_in", { sandbox: "worker", command: lastArgument }),
            call("bash", { command: lastArgument }),
          ],
        },
        { text: "looked" },
      ]);
      const response = await postQuery(t.url, { prompt: "look", composite: {} });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      expect(events.at(-1)?.data).toMatchObject({ type: "result" });
      const [secondary] = results(events, "exec_in");
      const [primary] = results(events, "bash");
      expect(primary).toMatchObject({ isError: false });
      expect(primary?.content).toContain("/run/sandcaster");
      expect(secondary).toMatchObject({ isError: false });
      expect(secondary?.content).not.toContain("/run/sandcaster");
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
    60_000,
  );
});

// The E2B double runs commands only under bubblewrap.
describe.runIf(hasService("bwrap"))(
  "composite workflow on e2b (the E2B double, driven by the real e2b SDK)",
  () => {
    let e2b: E2BDouble | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
      await e2b?.close();
      e2b = undefined;
    });

    async function noneAlive(double: E2BDouble) {
      const deadline = Date.now() + 10_000;
      while (double.alive().length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return double.alive();
    }

    it("fans out to e2b sandboxes and back; every one is killed at the end", async () => {
      e2b = await startE2BDouble();
      t = await startTestServer({ turns: FAN_OUT, sandbox: "e2b", e2b });
      const events = await readEvents(
        await postQuery(t.url, { prompt: "fan out", composite: { maxSandboxes: 2 } }),
      );
      expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "fanned out and back" });
      expect(results(events, "exec_in")[3]).toMatchObject({
        isError: false,
        sandbox: "b",
        content: expect.stringContaining("alpha"),
      });
      expect(results(events, "read_file")[0]?.content).toContain("alpha");
      // The primary and the two secondaries (a, b): three sandboxes created on E2B.
      const creates = e2b.requests.filter(
        (r) => r.method === "POST" && /^\/(v2\/)?sandboxes$/.test(r.path),
      );
      expect(creates).toHaveLength(3);
      expect(await noneAlive(e2b)).toEqual([]);
    }, 120_000);

    it("a cancel kills every e2b sandbox of the run", async () => {
      e2b = await startE2BDouble();
      t = await startTestServer({
        turns: [
          { toolCalls: [call("spawn_sandbox", { name: "worker" })] },
          {
            toolCalls: [call("exec_in", { sandbox: "worker", command: "echo working; sleep 60" })],
          },
          { text: "never" },
        ],
        sandbox: "e2b",
        e2b,
      });
      const running = t;
      const response = await postQuery(running.url, { prompt: "slow", composite: {} });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response, {
        until: (e) => {
          if (e.data.type === "tool_output" && e.data.content.includes("working")) {
            void fetch(new URL(`/runs/${runId}/cancel`, running.url), { method: "POST" });
          }
          return e.data.type === "error";
        },
      });
      expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "CANCELLED" });
      expect(await noneAlive(e2b)).toEqual([]);
    }, 60_000);
  },
);

describe("composite requests the server refuses", () => {
  it("400 naming the field when a request asks for more than sandcaster.json allows", async () => {
    t = await startTestServer({ turns: [], config: { composite: { maxSandboxes: 2 } } });
    const response = await postQuery(t.url, { prompt: "x", composite: { maxSandboxes: 5 } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { details?: { field: string; message: string }[] };
    expect(body.details?.[0]).toMatchObject({
      field: "composite.maxSandboxes",
      message: expect.stringContaining("at most 2"),
    });
  });
});
