// A hostile agent floods and smuggles through its output: events stay bounded, secrets stay hidden.
// Scripted model → real runner → real local sandbox → real HTTP/SSE and the real store.
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const docker = (await sandboxCases()).some((c) => c.sandbox === "docker" && c.enabled);

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const bash = (command: string) => ({ name: "bash", input: { command } });
/** The key the runner holds (its environment), as the agent can read it. */
/**
 * The request's key, as an agent could have it from a prompt or a file it read. (No sandbox holds
 * the key any more: the model gateway adds it on the host, so it cannot be read from the runner's
 * environment.) Built from its reverse, so no piece of the key stands in the command itself.
 */
const READ_KEY = `K=$(printf %s ${[..."request-secret-for-redaction-0123"].reverse().join("")} | rev)`;

const codeOf = (data: object) => ("code" in data ? String(data.code) : "");

async function storedEvents(server: TestServer, runId: string) {
  return server.store.readEvents(runId, 0, 1_000_000);
}

describe("event floods", () => {
  it("100,000 new files give one ARTIFACT_SKIPPED summary, not 99,900 warnings", async () => {
    t = await startTestServer({
      turns: [
        { toolCalls: [bash("mkdir many && cd many && seq 1 100000 | xargs touch && echo made")] },
        { text: "done" },
      ],
    });
    const response = await postQuery(t.url, { prompt: "flood" });
    const runId = response.headers.get("x-run-id") ?? "";
    const streamed = await readEvents(response);
    const skipped = streamed.filter((e) => codeOf(e.data) === "ARTIFACT_SKIPPED");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.data.content).toMatch(
      /^\d+ artifacts were not returned: many\/\S+ \(0 bytes/,
    );
    expect(skipped[0]?.data.content).toMatch(/and \d+ more$/);
    expect(streamed.length).toBeLessThan(200);
    expect((await storedEvents(t, runId)).length).toBe(streamed.length);
  }, 180_000);

  // A runner docker starts by exec (when the one its container booted did not come up) has pipes
  // for stdio, which another process can open through /proc. A booted runner's stdout is a socket,
  // as a local runner's: opening /proc/<pid>/fd/1 fails with ENXIO (the next test).
  it.skipIf(!docker)(
    "junk lines on the runner's stdout give a few warnings and one summary",
    async () => {
      t = await startTestServer({
        sandbox: "docker",
        dockerBootRunner: false,
        modelHost: await bridgeGateway(),
        turns: [
          // The runner is the shell's parent: its stdout is the protocol stream the host parses.
          {
            toolCalls: [
              bash(
                "s=$(printf 'x\\n%.0s' {1..1000}); for i in {1..200}; do printf '%s\\n' \"$s\"; done > /proc/$PPID/fd/1; echo flooded",
              ),
            ],
          },
          { text: "done" },
        ],
      });
      const response = await postQuery(t.url, { prompt: "junk" });
      const runId = response.headers.get("x-run-id") ?? "";
      const streamed = await readEvents(response);
      const junk = streamed.filter((e) => codeOf(e.data).startsWith("RUNNER_"));
      expect(junk.length).toBeLessThanOrEqual(11);
      expect(junk.at(-1)?.data.content).toMatch(/printed 1999\d\d more invalid lines/);
      expect(streamed.at(-1)?.data.type).toBe("result");
      expect((await storedEvents(t, runId)).length).toBeLessThan(100);
    },
    120_000,
  );

  it.skipIf(!docker)(
    "a booted runner's stdout cannot be opened by the agent at all",
    async () => {
      t = await startTestServer({
        sandbox: "docker",
        modelHost: await bridgeGateway(),
        turns: [
          { toolCalls: [bash("printf 'x\\n' > /proc/$PPID/fd/1 && echo wrote || echo refused")] },
          { text: "done" },
        ],
      });
      const streamed = await readEvents(await postQuery(t.url, { prompt: "junk" }));
      const output = streamed
        .filter((e) => e.data.type === "tool_result")
        .map((e) => e.data.content);
      expect(output.join("\n")).toMatch(/No such device or address[\s\S]*refused/);
      expect(streamed.filter((e) => codeOf(e.data).startsWith("RUNNER_"))).toEqual([]);
      expect(streamed.at(-1)?.data.type).toBe("result");
    },
    120_000,
  );
});

describe("redaction against a hostile agent", () => {
  const key = "request-secret-for-redaction-0123";
  /** Every 8-character piece of the key: none may reach the client. */
  const pieces = Array.from({ length: key.length - 7 }, (_, i) => key.slice(i, i + 8));

  it("a key printed across the tool output's truncation cut is hidden on both sides", async () => {
    // The bash tool keeps about 15,000 characters of head and tail of 30,000; the key is put at a
    // range of offsets around both cuts, one tool call each, so some call cuts it mid-key.
    const total = 100_000;
    const calls = [];
    for (let shift = -40; shift <= 40; shift += 4) {
      const before = 14_980 + shift;
      const after = total - before - key.length;
      calls.push(
        bash(
          `${READ_KEY}; { head -c ${before} /dev/zero | tr '\\0' a; printf %s "$K"; head -c ${after} /dev/zero | tr '\\0' b; }`,
        ),
      );
      const tailStart = total - 14_984 + shift;
      calls.push(
        bash(
          `${READ_KEY}; { head -c ${tailStart - 10} /dev/zero | tr '\\0' a; printf %s "$K"; head -c ${total - tailStart + 10 - key.length} /dev/zero | tr '\\0' b; }`,
        ),
      );
    }
    t = await startTestServer({ turns: [{ toolCalls: calls }, { text: "done" }] });
    const response = await postQuery(t.url, { prompt: "leak", apiKeys: { anthropic: key } });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    const results = events.filter((e) => e.data.type === "tool_result");
    expect(results).toHaveLength(calls.length);
    // The cut happened, and some output shows the redaction at it.
    expect(results.every((e) => String(e.data.content).includes("characters cut"))).toBe(true);
    expect(
      results.some((e) => /\[REDACTED\]\n\[\.\.\. \d+ characters cut/.test(e.data.content)),
    ).toBe(true);
    const wire = JSON.stringify(events);
    const stored = JSON.stringify(await storedEvents(t, runId));
    for (const piece of pieces) {
      expect(wire).not.toContain(piece);
      expect(stored).not.toContain(piece);
    }
  }, 180_000);

  it("a key written into a binary file is redacted in the file event", async () => {
    t = await startTestServer({
      turns: [
        {
          toolCalls: [bash(`${READ_KEY}; printf '\\x89PNG\\x00\\xff%s\\x00\\x01' "$K" > blob.png`)],
        },
        { text: "done" },
      ],
    });
    const events = await readEvents(
      await postQuery(t.url, { prompt: "hide", apiKeys: { anthropic: key } }),
    );
    const file = events.find((e) => e.data.type === "file" && e.data.path === "blob.png")?.data;
    expect(file).toMatchObject({ encoding: "base64" });
    const bytes = Buffer.from(String(file?.content), "base64");
    expect(bytes.subarray(0, 6)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
    expect(bytes.includes("[REDACTED]")).toBe(true);
    for (const piece of pieces) expect(bytes.includes(piece)).toBe(false);
  }, 60_000);
});
