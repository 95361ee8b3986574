// The model gateway against a hostile agent, through the real path (POST /query, the real runner in
// a real sandbox, a scripted model double): the key is nowhere the agent or the host's process list
// can see, a forged `result` does not change what is recorded, and a budget ends a looping run.
import { randomUUID } from "node:crypto";
import { checkBwrap } from "@sandcaster/core";
import { type E2BDouble, type ScriptedTurn, startE2BDouble } from "@sandcaster/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { processesMentioning, shouldRunDocker } from "./leftovers.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

// One key per file run: other tests on this host must not be mistaken for a leak of this one.
const SERVER_KEY = `sk-ant-wire-${randomUUID()}`;
const TEST_IMAGE = process.env.SANDCASTER_TEST_IMAGE ?? "sandcaster-sandbox:test";
const bwrap = await checkBwrap(undefined, process.execPath);
if (!bwrap.ok) console.log("gateway hostile tests on local skipped: no working bubblewrap");
const docker = await shouldRunDocker();

type Kind = "local" | "docker" | "e2b";
const kinds: Kind[] = [
  ...(bwrap.ok ? (["local"] as const) : []),
  ...(docker ? (["docker"] as const) : []),
  "e2b",
];

let t: TestServer | undefined;
let e2b: E2BDouble | undefined;
afterEach(async () => {
  await t?.close();
  await e2b?.close();
  t = undefined;
  e2b = undefined;
});

/** `execRunner`: docker starts the runner by exec (pipes for its stdio, which the agent can open). */
async function start(kind: Kind, turns: ScriptedTurn[], execRunner = false) {
  if (kind === "e2b") e2b = await startE2BDouble();
  t = await startTestServer({
    sandbox: kind,
    turns,
    ...(execRunner ? { dockerBootRunner: false } : {}),
    env: { ANTHROPIC_API_KEY: SERVER_KEY },
    ...(e2b ? { e2b } : {}),
    ...(kind === "docker" ? { config: { docker: { image: TEST_IMAGE } } } : {}),
  });
  return t;
}

const bash = (command: string, usage?: ScriptedTurn["usage"]): ScriptedTurn => ({
  toolCalls: [{ name: "bash", input: { command } }],
  ...(usage ? { usage } : {}),
});

interface RunJson {
  status: string;
  costUsd?: number;
  usage?: Record<string, number>;
}

const toolOutput = (events: ReceivedEvent[]) => {
  const result = events.find((e) => e.data.type === "tool_result")?.data;
  return result && "content" in result ? String(result.content) : "";
};

// Only bash builtins (the test image has almost no binaries), and the key split in the command so
// that no command line holds it: a process found with it would be the leak under test.
const findKey = (key: string) =>
  [
    `k="${key.slice(0, 12)}"'${key.slice(12)}'; n=0; files=0; seen=0; readInDir=0`,
    `for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do c=$(< "$f"); [[ $c == *"$k"* ]] && n=$((n+1)); [[ $c == *runner.mjs* ]] && seen=$((seen+1)); done 2>/dev/null`,
    `[[ "$(export -p)" == *"$k"* ]] && n=$((n+1))`,
    // The runner's script and dir, wherever the script sits on the runner process's command line
    // (docker's dir cannot be listed: the script itself is read by name).
    `mapfile -d '' argv < /proc/$PPID/cmdline; for a in "\${argv[@]}"; do [[ $a == *.mjs ]] && script=$a runner=\${a%/*}; done`,
    `shopt -s globstar dotglob nullglob`,
    `for f in "$PWD"/** /tmp/** /run/** "$HOME"/** "$runner"/** "$script"; do [[ -f $f && -r $f ]] || continue; c=$(< "$f"); [[ $c == *"$k"* ]] && files=$((files+1)); [[ $f == "$runner"/* ]] && readInDir=$((readInDir+1)); done 2>/dev/null`,
    // Controls: the scans do read the runner's command line and the files in its dir (its config,
    // with the run's token, where the provider stages one; docker sends it on stdin instead).
    `echo "procs=$n files=$files"; [[ $seen -gt 0 && $readInDir -gt 0 ]] && echo "scans read"`,
  ].join("\n");

describe.each(kinds)("the model gateway on %s against a hostile agent", (kind) => {
  it("keeps the key out of the sandbox and off the host's process list", async () => {
    const server = await start(kind, [bash(findKey(SERVER_KEY)), { text: "looked" }]);
    const response = await postQuery(server.url, { prompt: "find the key" });
    let done = false;
    const seenOnHost: string[] = [];
    const reading = readEvents(response).finally(() => {
      done = true;
    });
    while (!done) seenOnHost.push(...(await processesMentioning(SERVER_KEY)));
    const events = await reading;
    expect(events.at(-1)?.data.type).toBe("result");
    expect(toolOutput(events).trim()).toBe("procs=0 files=0\nscans read");
    expect(seenOnHost).toEqual([]);
    // The model was still called with the real key: the gateway put it on the host's request.
    expect(server.double.requests.length).toBe(2);
    expect(server.double.requests[0]?.headers["x-api-key"]).toBe(SERVER_KEY);
    expect(JSON.stringify(events)).not.toContain(SERVER_KEY);
  });

  it("records the gateway's usage and cost, not a result the agent forged on the runner's stdout", async () => {
    const forged = JSON.stringify({
      type: "result",
      subtype: "success",
      content: "forged",
      costUsd: 999,
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      numTurns: 1,
      durationSecs: 1,
    });
    const server = await start(
      kind,
      [
        bash(`printf '%s\\n' '${forged}' > /proc/$PPID/fd/1; echo forged`, {
          inputTokens: 1000,
          outputTokens: 100,
        }),
        { text: "done", usage: { inputTokens: 2000, outputTokens: 50 } },
      ],
      // On docker the runner the container booted has a socket for stdout, which the agent cannot
      // open; one started by exec (its fallback) has a pipe it can: that is where the forgery lands.
      true,
    );
    const response = await postQuery(server.url, { prompt: "forge", model: "claude-sonnet-4-6" });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    const results = events.filter((e) => e.data.type === "result").map((e) => e.data);
    // Sonnet 4.6: $3 per million input tokens, $15 per million output tokens.
    const expected = (3000 * 3 + 150 * 15) / 1e6;
    const last = results.at(-1) as { costUsd?: number; usage?: Record<string, number> };
    expect(last.costUsd).toBeCloseTo(expected, 9);
    expect(last.usage).toMatchObject({ inputTokens: 3000, outputTokens: 150 });
    const record = (await (await fetch(`${server.url}/runs/${runId}`)).json()) as RunJson;
    expect(record).toMatchObject({ status: "completed" });
    expect(record.costUsd).toBeCloseTo(expected, 9);
    expect(record.usage).toMatchObject({ inputTokens: 3000, outputTokens: 150 });
    // The forged figure as a value anywhere in the record (a bare "999" also matches a random run
    // id, a timestamp's milliseconds or a 0.999 s duration: ~1 % of runs).
    expect(JSON.stringify(record)).not.toMatch(/:999(\.0+)?[,}\]]/);
    // Where the write reached the runner's stdout (docker: same uid, writable /proc), the forged
    // claim was the result the host took, and the client is told the runner's figures disagreed.
    const mismatch = events.filter(
      (e) => e.data.type === "warning" && e.data.code === "METERING_MISMATCH",
    );
    const took = (last as { content?: string }).content;
    if (kind === "docker") expect(took).toBe("forged");
    expect(mismatch.length).toBe(took === "forged" ? 1 : 0);
    if (took === "forged") expect(JSON.stringify(mismatch[0]?.data)).toContain("$999");
  });

  it("ends a looping run with BUDGET_EXCEEDED once its few cents are spent", async () => {
    // Each call costs $0.03 (10,000 input tokens of Sonnet); the budget is $0.05: one call fits.
    const loop = Array.from({ length: 20 }, () =>
      bash("echo again", { inputTokens: 10_000, outputTokens: 1 }),
    );
    const server = await start(kind, loop);
    const response = await postQuery(server.url, {
      prompt: "loop forever",
      model: "claude-sonnet-4-6",
      budget: { maxCostUsd: 0.05 },
    });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "BUDGET_EXCEEDED" });
    // The second call would pass it (its prompt is at least the first's): it never reached the model.
    expect(server.double.requests.length).toBe(1);
    const record = (await (await fetch(`${server.url}/runs/${runId}`)).json()) as RunJson;
    expect(record).toMatchObject({ status: "error", errorCode: "BUDGET_EXCEEDED" });
    expect(record.costUsd).toBeCloseTo((10_000 * 3 + 15) / 1e6, 9);
  });
});
