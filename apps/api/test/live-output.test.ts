// Live output of the runner's own tools: a long bash command is watched as it runs, through the
// real runner in a real sandbox, the host relay and SSE — not only when it ends.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

let t: TestServer | undefined;
let gate: Server | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  await new Promise((resolve) => (gate ? gate.close(resolve) : resolve(undefined)));
  gate = undefined;
});

const outputs = (events: ReceivedEvent[]) =>
  events.flatMap((e) => (e.data.type === "tool_output" ? [e.data] : []));

/** A loopback door the sandboxed command waits on; the test opens it. */
async function startGate() {
  let open = false;
  const server = createServer((_req, res) => {
    res.writeHead(open ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gate = server;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/go`,
    open: () => {
      open = true;
    },
  };
}

it("a bash command's output arrives while it runs, before its result, tagged with its call", async () => {
  const door = await startGate();
  // Node is in every sandbox (it runs the runner); the command blocks until the test opens the door.
  const wait = `node -e 'const go=()=>fetch(process.argv[1]).then(r=>r.ok?0:setTimeout(go,50),()=>setTimeout(go,50));go()' ${door.url}`;
  t = await startTestServer({
    // The door is on the host's loopback, which a sandbox reaches only with the operator's explicit
    // (unsafe) host network; this test is about live output, not isolation.
    config: { local: { network: "host" } },
    turns: [
      {
        toolCalls: [
          {
            name: "bash",
            input: { command: `for i in 1 2 3; do echo line$i; done; ${wait}; echo after-door` },
          },
        ],
      },
      { text: "watched it" },
    ],
  });
  const events = await readEvents(await postQuery(t.url, { prompt: "run it" }), {
    until: (e) => {
      // The command cannot end before this: seeing its output now proves it is live.
      if (e.data.type === "tool_output" && e.data.content.includes("line3")) door.open();
      return e.data.type === "result" || e.data.type === "error";
    },
  });
  expect(events.at(-1)?.data.type).toBe("result");
  const use = events.find((e) => e.data.type === "tool_use")?.data;
  const live = outputs(events);
  expect(live[0]).toMatchObject({
    toolName: "bash",
    stream: "stdout",
    toolUseId: use?.type === "tool_use" ? use.toolUseId : "?",
  });
  expect(live.map((e) => e.content).join("")).toBe("line1\nline2\nline3\nafter-door\n");
  const firstLive = events.findIndex((e) => e.data.type === "tool_output");
  const result = events.findIndex((e) => e.data.type === "tool_result");
  const lastLive = events.findLastIndex((e) => e.data.type === "tool_output");
  expect(firstLive).toBeGreaterThan(-1);
  expect(lastLive).toBeLessThan(result);
  expect(events[result]?.data).toMatchObject({ content: "line1\nline2\nline3\nafter-door\n" });
}, 60_000);

it("a flood is coalesced and bounded: few events, one TOOL_OUTPUT_CUT, the run goes on", async () => {
  t = await startTestServer({
    turns: [
      // ~1 MB in 100k writes, far past the live budget.
      { toolCalls: [{ name: "bash", input: { command: "seq 1 150000; echo done >&2" } }] },
      { text: "flooded" },
    ],
  });
  const events = await readEvents(await postQuery(t.url, { prompt: "flood" }));
  expect(events.at(-1)?.data.type).toBe("result");
  const live = outputs(events);
  const bytes = live.reduce((n, e) => n + Buffer.byteLength(e.content), 0);
  expect(bytes).toBeLessThanOrEqual(256 * 1024);
  expect(bytes).toBeGreaterThan(200 * 1024);
  // coalesced: far fewer events than writes (at most 2 per 100 ms tick, plus the cut)
  expect(live.length).toBeLessThan(100);
  const cuts = events.filter((e) => e.data.type === "warning" && e.data.code === "TOOL_OUTPUT_CUT");
  expect(cuts).toHaveLength(1);
  expect(live.every((e) => /\n$/.test(e.content))).toBe(true);
}, 60_000);

it("a secret printed in pieces is redacted in the live output", async () => {
  const key = "request-secret-for-live-output-0123";
  t = await startTestServer({
    turns: [
      {
        toolCalls: [
          {
            name: "bash",
            // Half the key, a pause long enough for a flush, the other half: one word on the wire.
            input: {
              command:
                // The key as an agent could have it from a prompt (no sandbox holds it since the
                // gateway), built from its reverse so the command carries no piece of it.
                `k=$(printf %s ${[..."request-secret-for-live-output-0123"].reverse().join("")} | rev); ` +
                // biome-ignore lint/suspicious/noTemplateCurlyInString: bash substrings
                'printf "key=%s" "${k:0:10}"; sleep 0.5; printf "%s\\n" "${k:10}"',
            },
          },
        ],
      },
      { text: "leaked?" },
    ],
  });
  const events = await readEvents(
    await postQuery(t.url, { prompt: "leak", apiKeys: { anthropic: key } }),
  );
  expect(JSON.stringify(events)).not.toContain(key.slice(0, 10));
  expect(
    outputs(events)
      .map((e) => e.content)
      .join(""),
  ).toBe("key=[REDACTED]\n");
}, 60_000);
