// Agent invocations and pipelines answer at the run's end like /query (removal-order.test.ts): the
// client has the stream's `result` and its end before the sandbox is removed. Real HTTP, real SSE
// parsing, real sandboxes whose destroy is held until the client has read the end (destroy-watch.ts).
import { afterEach, describe, expect, it } from "vitest";
import { call } from "./agent-requests.js";
import { type AgentServer, agentCases, deployFiles, startAgentServer } from "./agent-server.js";
import { watchDestroys } from "./destroy-watch.js";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers, sandboxCases } from "./leftovers.js";

let t: TestServer | undefined;
let agents: AgentServer | undefined;
afterEach(async () => {
  await t?.close();
  await agents?.close();
  t = undefined;
  agents = undefined;
});

describe.each(await sandboxCases())("a pipeline's sandbox on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "is removed after the client has the result and its stream has ended",
    async () => {
      const watch = watchDestroys();
      // No model key at all: a pipeline calls no model.
      t = await startTestServer({
        turns: [],
        sandbox,
        env: { ANTHROPIC_API_KEY: "" },
        wrapProvider: watch.wrap,
      });
      const response = await fetch(new URL("/pipelines", t.url), {
        method: "POST",
        headers: { "content-type": "text/markdown" },
        body: "# steps\n\n```bash\necho one\n```\n",
      });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await watch.read(response);
      expect(events.at(-1)?.type).toBe("result");
      expect(await expectNoLeftovers(runId)).toEqual([]);
      expect(watch.destroys).toEqual([{ result: true, streamEnd: true }]);
    },
    120_000,
  );
});

describe.each(await agentCases())("an agent's sandbox on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "is removed after the client has the result and its stream has ended",
    async () => {
      const watch = watchDestroys();
      agents = await startAgentServer(sandbox, {
        wrapProvider: (provider) => watch.wrap(provider),
      });
      await deployFiles(agents, "quick", { "index.js": 'process.stdout.write("done\\n");\n' });
      const response = await call(agents.t.url, "POST", "/agents/quick/invoke", { prompt: "go" });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await watch.read(response);
      expect(events.at(-1)).toMatchObject({ type: "result", content: "done\n" });
      expect(await expectNoLeftovers(runId)).toEqual([]);
      expect(watch.destroys).toEqual([{ result: true, streamEnd: true }]);
    },
    300_000,
  );
});
