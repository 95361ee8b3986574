// Markdown pipelines end to end on local (bubblewrap) and docker: real HTTP, real SSE, real
// sandboxes, and no model key on the server. Steps run in order in one sandbox; results are
// written back under their blocks (golden file), replaced on a re-run; sessions carry files over.
import { readFileSync } from "node:fs";
import type { SandcasterEvent } from "@sandcaster/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers, processesMentioning, sandboxCases } from "./leftovers.js";
import { readEvents } from "./sse.js";

const CASES = await sandboxCases();
const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(sandbox: "local" | "docker") {
  // No model key at all: a pipeline calls no model.
  t = await startTestServer({ turns: [], sandbox, env: { ANTHROPIC_API_KEY: "" } });
  return t;
}

function post(url: string, body: string | object) {
  const markdown = typeof body === "string";
  return fetch(new URL("/pipelines", url), {
    method: "POST",
    headers: { "content-type": markdown ? "text/markdown" : "application/json" },
    body: markdown ? body : JSON.stringify(body),
  });
}

async function run(url: string, body: string | object) {
  const response = await post(url, body);
  expect(response.status).toBe(200);
  const events = (await readEvents(response)).map((e) => e.data);
  const result = events.at(-1);
  if (result?.type !== "result") throw new Error(`ended with ${JSON.stringify(result)}`);
  return { runId: response.headers.get("x-run-id") ?? "", events, result };
}

const ofType = <T extends SandcasterEvent["type"]>(events: SandcasterEvent[], type: T) =>
  events.filter((e): e is Extract<SandcasterEvent, { type: T }> => e.type === type);

/** Durations differ from run to run; everything else must match the golden file byte for byte. */
const masked = (markdown: string) => markdown.replace(/ in \d+\.\ds</g, " in N.Ns<");

describe.each(CASES)("pipelines on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "runs three steps in order in one workspace, streams them, writes results back",
    { timeout: 120_000 },
    async () => {
      const { url, store } = await start(sandbox);
      const { runId, events, result } = await run(url, fixture("pipeline.md"));
      expect(events[0]).toMatchObject({ type: "system", subtype: "init", runId });
      expect(events[0]).not.toHaveProperty("model");
      const steps = events.filter((e) => e.type === "step_start" || e.type === "step_end");
      expect(steps).toMatchObject([
        { type: "step_start", index: 0, command: 'echo hello > greeting.txt\necho "step one"' },
        { type: "step_end", index: 0, exitCode: 0 },
        { type: "step_start", index: 1, command: "cat greeting.txt >&2" },
        { type: "step_end", index: 1, exitCode: 0 },
        { type: "step_start", index: 2, command: "wc -c < greeting.txt" },
        { type: "step_end", index: 2, exitCode: 0 },
      ]);
      const stdout = (index: number) =>
        ofType(events, "stdout")
          .filter((e) => e.index === index)
          .map((e) => e.content)
          .join("");
      expect(stdout(0)).toBe("step one\n");
      expect(stdout(1)).toBe("");
      expect(stdout(2).trim()).toBe("6");
      expect(ofType(events, "stderr").map((e) => [e.index, e.content])).toEqual([[1, "hello\n"]]);
      expect(ofType(events, "file")).toEqual([
        { type: "file", path: "greeting.txt", content: "hello\n" },
      ]);
      expect(result).toMatchObject({ subtype: "success", exitCode: 0 });
      await expect(masked(result.content)).toMatchFileSnapshot("fixtures/pipeline.result.md");

      // Re-running the report replaces its results: the same document comes back.
      const again = await run(url, result.content);
      expect(masked(again.result.content)).toBe(masked(result.content));

      // Replay from the store: the same events, as for any run.
      const replay = await readEvents(await fetch(new URL(`/runs/${runId}/events`, url)));
      expect(replay.map((e) => e.data)).toEqual(events);

      const record = await store.getRun(runId);
      expect(record).toMatchObject({ kind: "pipeline", status: "completed", filesCount: 1 });
      const listed = (await (await fetch(new URL("/runs", url))).json()) as { kind?: string }[];
      expect(listed.map((r) => r.kind)).toEqual(["pipeline", "pipeline"]);
      const ofKind = async (kind: string) =>
        (await (await fetch(new URL(`/runs?kind=${kind}`, url))).json()) as { id: string }[];
      expect((await ofKind("pipeline")).map((r) => r.id)).toContain(runId);
      expect(await ofKind("query")).toEqual([]);
      const bad = await fetch(new URL("/runs?kind=pipelines", url));
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain('"field":"kind"');
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
  );

  it.skipIf(!enabled)(
    "stops at the first failing step unless it says continue-on-error",
    { timeout: 120_000 },
    async () => {
      const { url, store } = await start(sandbox);
      const failing =
        "```bash\necho one\n```\n\n```bash\necho two\nexit 3\necho never\n```\n\n```bash\necho three\n```\n";
      const stopped = await run(url, failing);
      expect(ofType(stopped.events, "step_start").map((e) => e.index)).toEqual([0, 1]);
      expect(ofType(stopped.events, "step_end").map((e) => e.exitCode)).toEqual([0, 3]);
      expect(stopped.result).toMatchObject({ subtype: "step_failed", exitCode: 3 });
      expect(stopped.result.content).toContain("❌ step 2: exit 3");
      // bash -e: the step stopped at its failing command.
      expect(ofType(stopped.events, "stdout").map((e) => e.content)).toEqual(["one\n", "two\n"]);
      expect(stopped.result.content.match(/<!-- sandcaster:result /g)).toHaveLength(2);
      // The record agrees with the exit code: a failed step fails the run, naming the step.
      expect(await store.getRun(stopped.runId)).toMatchObject({
        status: "error",
        errorCode: "PIPELINE_FAILED",
        error: expect.stringMatching(/^step 2: exit 3 in [\d.]+s \(step index 1\)$/),
      });
      const failedRuns = (await (await fetch(new URL("/runs?status=error", url))).json()) as {
        id: string;
      }[];
      expect(failedRuns.map((r) => r.id)).toEqual([stopped.runId]);

      const tolerant = failing.replace("```bash\necho two", "```bash continue-on-error\necho two");
      const continued = await run(url, tolerant);
      expect(ofType(continued.events, "step_end").map((e) => e.exitCode)).toEqual([0, 3, 0]);
      expect(continued.result).toMatchObject({ subtype: "success", exitCode: 0 });
      expect(await store.getRun(continued.runId)).toMatchObject({ status: "completed" });
    },
  );

  it.skipIf(!enabled)(
    "kills a step at its own timeout and stops there",
    { timeout: 120_000 },
    async () => {
      const { url, store } = await start(sandbox);
      const started = performance.now();
      const { runId, events, result } = await run(
        url,
        "```bash timeout=2\necho started\nsleep 60\n```\n\n```bash\necho after\n```\n",
      );
      expect((performance.now() - started) / 1000).toBeLessThan(30);
      expect(ofType(events, "step_end")).toMatchObject([
        { index: 0, exitCode: null, timedOut: true },
      ]);
      expect(ofType(events, "step_end")[0]?.durationSecs).toBeGreaterThanOrEqual(2);
      expect(result).toMatchObject({ subtype: "step_failed", exitCode: 124 });
      expect(result.content).toContain("⏱️ step 1: timed out");
      expect(result.content).toContain("started");
      expect(await store.getRun(runId)).toMatchObject({
        status: "error",
        errorCode: "PIPELINE_FAILED",
        error: expect.stringMatching(/^step 1: timed out after [\d.]+s \(step index 0\)$/),
      });
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
  );

  it.skipIf(!enabled)(
    "stops the step and destroys the sandbox when the client hangs up",
    { timeout: 120_000 },
    async () => {
      const { url, store } = await start(sandbox);
      const response = await post(url, "```bash\necho started\nsleep 1234\n```\n");
      const runId = response.headers.get("x-run-id") ?? "";
      await readEvents(response, { until: (e) => e.data.type === "stdout" });
      expect(await expectNoLeftovers(runId)).toEqual([]);
      expect(await processesMentioning("sleep 1234")).toEqual([]);
      await expect.poll(async () => (await store.getRun(runId))?.status).toBe("cancelled");
    },
  );

  it.skipIf(!enabled)(
    "carries the workspace over in a session: the second pipeline reads the first one's output",
    { timeout: 120_000 },
    async () => {
      const { url } = await start(sandbox);
      const created = await fetch(new URL("/sessions", url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sandboxProvider: sandbox }),
      });
      expect(created.status).toBe(201);
      const session = (await created.json()) as { id: string };
      const first = await run(
        url,
        `---\nsession: ${session.id}\n---\n\n\`\`\`bash\necho "made in run 1" > carried.txt\n\`\`\`\n`,
      );
      expect(first.result.exitCode).toBe(0);
      const second = await run(url, {
        markdown: "```bash\ncat carried.txt\n```\n",
        session: session.id,
      });
      expect(ofType(second.events, "stdout").map((e) => e.content)).toEqual(["made in run 1\n"]);
      expect(second.result.exitCode).toBe(0);
    },
  );
});

describe("pipeline requests the server refuses", () => {
  it("answers 400 naming the field, and starts nothing", async () => {
    const { url, store } = await start("local");
    const cases: [string | object, string][] = [
      ["# nothing to run\n\n```python\nprint(1)\n```\n", "markdown"],
      ["---\ntimeout: [oops\n---\n\n```bash\nls\n```\n", "frontMatter"],
      ["---\ntemplate: python\n---\n\n```bash\nls\n```\n", "frontMatter.template"],
      ["```bash timeout=soon\nls\n```\n", "steps[0].info"],
      [{ markdown: "```bash\nls\n```\n", colour: "blue" }, "colour"],
      [{ markdown: "" }, "markdown"],
    ];
    for (const [body, field] of cases) {
      const response = await post(url, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const answer = (await response.json()) as { details: { field: string }[] };
      expect(answer.details.map((d) => d.field)).toContain(field);
    }
    expect((await store.listRuns({ limit: 10 })).runs).toEqual([]);
  });
});
