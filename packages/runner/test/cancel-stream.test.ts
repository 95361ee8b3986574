// A run cancelled while its model's answer is still streaming: the abort reaches the request in
// flight, and the runner ends with CANCELLED at once instead of reading the stream to its end. Anthropic's and OpenAI's SDKs stream
// through the runner's node:http fetch (src/http/), Google's through Node's fetch.
import { afterEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

describe.each(PROVIDERS.filter((p) => p.name !== "openrouter"))("a run via $name", (p) => {
  it("cancelled mid-stream ends with CANCELLED at once", async () => {
    ws = await makeWorkspace();
    // ~20 s of stream: a run that waited for its end would fail the elapsed check.
    const double = await p.start([
      { text: "word ".repeat(60), chunkDelayMs: 1000 },
      { text: "never" },
    ]);
    try {
      const run = await runBundle(ws, { prompt: "hi", model: p.model }, p.env(double), {
        onLine: (line, child) => {
          if (line.includes('"subtype":"delta"')) child.kill("SIGTERM");
        },
      });
      expect(run.exitCode, run.stderr).toBe(1);
      expect(ofType(run.events, "error")[0]?.code).toBe("CANCELLED");
      expect(ofType(run.events, "result")).toHaveLength(0);
      expect(run.elapsedMs).toBeLessThan(10_000);
      expect(double.requests).toHaveLength(1);
    } finally {
      await double.close();
    }
  });
});
