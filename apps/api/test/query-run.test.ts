// End to end over real HTTP and a real SSE parser: a scripted two-turn run in a real sandbox, then /runs.
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents, types } from "./sse.js";

const SANDBOXES = await sandboxCases();

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const TWO_TURNS = [
  {
    text: "Let me write the file.",
    toolCalls: [
      {
        name: "bash",
        input: {
          command:
            "printf 'hello from the sandbox\\n' > hello.txt && printf '\\000\\001\\377' > blob.bin && cat hello.txt && cat input.txt",
        },
      },
    ],
    usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0 },
  },
  { text: "Done: hello.txt is written.", usage: { inputTokens: 1200, outputTokens: 50 } },
];

describe.each(SANDBOXES)("a run on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "streams every event with ids, records the run, and leaves nothing behind",
    async () => {
      t = await startTestServer({
        turns: TWO_TURNS,
        sandbox,
        ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
      });
      const response = await postQuery(t.url, {
        prompt: "write hello.txt",
        model: "claude-haiku-4-5",
        files: { "input.txt": "staged input\n" },
        metadata: { ticket: "T-1" },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("x-accel-buffering")).toBe("no");
      const runId = response.headers.get("x-run-id") ?? "";
      expect(runId).toMatch(/^run_/);

      const events = await readEvents(response);
      // ids are 1..n in order; the SSE event name is the event's type
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i + 1)));
      for (const e of events) expect(e.event).toBe(e.data.type);

      expect(events[0]?.data).toMatchObject({
        type: "system",
        subtype: "init",
        runId,
        model: "claude-haiku-4-5",
        provider: "anthropic",
        sandboxProvider: sandbox,
      });
      expect(events[1]?.data).toMatchObject({ type: "system", subtype: "sandbox_ready" });
      const seen = types(events);
      expect(seen.indexOf("tool_use")).toBeLessThan(seen.indexOf("tool_result"));
      const toolResult = events.find((e) => e.data.type === "tool_result")?.data;
      expect(toolResult).toMatchObject({
        isError: false,
        content: expect.stringContaining("hello from the sandbox"),
      });
      expect(toolResult && "content" in toolResult ? toolResult.content : "").toContain(
        "staged input",
      );
      // the artifact: created during the run; the staged input.txt was not changed, so it is not returned
      const files = events.filter((e) => e.data.type === "file").map((e) => e.data);
      expect(files).toEqual([
        { type: "file", path: "blob.bin", content: "AAH/", encoding: "base64" },
        { type: "file", path: "hello.txt", content: "hello from the sandbox\n" },
      ]);
      const result = events.at(-1)?.data;
      // haiku 4.5: $1 in / $5 out per million
      const cost = (2200 * 1 + 150 * 5) / 1e6;
      expect(result).toMatchObject({
        type: "result",
        subtype: "success",
        content: "Done: hello.txt is written.",
        numTurns: 2,
        usage: { inputTokens: 2200, outputTokens: 150 },
      });
      expect(result?.type === "result" && result.costUsd).toBeCloseTo(cost, 12);
      // the key never appears in anything the client received
      expect(JSON.stringify(events)).not.toContain("sk-ant-test-secret-key");

      expect(await expectNoLeftovers(runId)).toEqual([]);
      const record = (await (await fetch(new URL(`/runs/${runId}`, t.url))).json()) as Record<
        string,
        unknown
      >;
      expect(record).toMatchObject({
        id: runId,
        status: "completed",
        model: "claude-haiku-4-5",
        sandboxProvider: sandbox,
        numTurns: 2,
        filesCount: 2,
        usage: { inputTokens: 2200, outputTokens: 150, cacheReadTokens: 0, cacheWriteTokens: 0 },
        metadata: { ticket: "T-1" },
        prompt: "write hello.txt",
      });
      expect(record.costUsd).toBeCloseTo(cost, 12);
      expect(record.durationSecs).toBeGreaterThan(0);
      const list = (await (await fetch(new URL("/runs?status=completed", t.url))).json()) as {
        id: string;
      }[];
      expect(list.map((r) => r.id)).toEqual([runId]);
      // A short id, as the CLI shows it, finds the run; a bad one is a 400 naming the field.
      const byPrefix = (prefix: string) => fetch(new URL(`/runs?idPrefix=${prefix}`, t?.url));
      const found = (await (await byPrefix(runId.slice(0, 12))).json()) as { id: string }[];
      expect(found.map((r) => r.id)).toEqual([runId]);
      expect(await (await byPrefix("run_0000000000")).json()).toEqual([]);
      const bad = await byPrefix(encodeURIComponent("run_%"));
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        code: "INVALID_REQUEST",
        details: [{ field: "idPrefix" }],
      });
      expect(JSON.stringify(record)).not.toContain("sk-ant");
    },
  );

  it.skipIf(!enabled)(
    "a failed run still returns its files, and its error is the last event",
    async () => {
      t = await startTestServer({
        turns: [
          { toolCalls: [{ name: "bash", input: { command: "echo partial > partial.txt" } }] },
          { error: { status: 400, message: "the model refused the request" } },
        ],
        sandbox,
        ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
      });
      const response = await postQuery(t.url, { prompt: "fail after some work" });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      const seen = types(events);
      expect(seen.indexOf("file")).toBeGreaterThan(0);
      expect(seen.at(-1)).toBe("error");
      expect(seen.filter((type) => type === "error")).toHaveLength(1);
      expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "MODEL_BAD_REQUEST" });
      const record = (await (await fetch(new URL(`/runs/${runId}`, t.url))).json()) as object;
      expect(record).toMatchObject({
        status: "error",
        errorCode: "MODEL_BAD_REQUEST",
        filesCount: 1,
      });
    },
  );

  it.skipIf(!enabled)("delivers the first tool_use while the agent is still working", async () => {
    t = await startTestServer({
      turns: [
        { toolCalls: [{ name: "bash", input: { command: "echo step one" } }] },
        { text: "finished after a pause", delayMs: 2500 },
      ],
      sandbox,
      ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
    });
    const events = await readEvents(await postQuery(t.url, { prompt: "work slowly" }));
    const toolUse = events.find((e) => e.data.type === "tool_use");
    const result = events.find((e) => e.data.type === "result");
    expect(toolUse).toBeDefined();
    expect(result).toBeDefined();
    expect((result?.at ?? 0) - (toolUse?.at ?? 0)).toBeGreaterThan(2000);
  });
});
