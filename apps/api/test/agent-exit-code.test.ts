// A failed agent's exit code is typed, not only stated in prose: the SSE `error` event (AGENT_FAILED)
// carries `exitCode` (null when the sandbox reports a signal's kill), and so does GET /runs/:id when
// there is a code. Real HTTP, real SSE parsing, agents in real sandboxes on local (bubblewrap) and docker.
import type { RunRecord } from "@sandcaster/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./agent-requests.js";
import { type AgentServer, agentCases, deployFiles, startAgentServer } from "./agent-server.js";
import { expectNoLeftovers } from "./leftovers.js";
import { readEvents } from "./sse.js";

/** Exits with the code the prompt names; "kill" has the agent killed by SIGKILL instead. */
const AGENT = `
let prompt = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { prompt += chunk; });
process.stdin.on("end", () => {
  // Prose that looks like another code: a client must not read the code out of the message.
  process.stderr.write("this agent exited with code 99 last time\\n");
  if (prompt === "kill") process.kill(process.pid, "SIGKILL");
  else process.exit(Number(prompt));
});
`;

describe.each(await agentCases())(
  "a failed agent's exit code on $sandbox",
  ({ sandbox, enabled }) => {
    let server: AgentServer | undefined;
    beforeAll(async () => {
      if (!enabled) return;
      server = await startAgentServer(sandbox);
      await deployFiles(server, "exits", { "index.js": AGENT });
    }, 300_000);
    afterAll(async () => {
      await server?.close();
    }, 120_000);

    async function invoke(prompt: string) {
      const url = (server as AgentServer).t.url;
      const response = await call(url, "POST", "/agents/exits/invoke", { prompt });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = (await readEvents(response)).map((event) => event.data);
      const record = (await (await call(url, "GET", `/runs/${runId}`)).json()) as RunRecord;
      expect(await expectNoLeftovers(runId)).toEqual([]);
      return { events, record };
    }

    it.skipIf(!enabled)(
      "is in the SSE error event and the run record",
      async () => {
        const { events, record } = await invoke("7");
        expect(events.at(-1)).toMatchObject({ type: "error", code: "AGENT_FAILED", exitCode: 7 });
        expect(record).toMatchObject({ status: "error", errorCode: "AGENT_FAILED", exitCode: 7 });
      },
      120_000,
    );

    it.skipIf(!enabled)(
      "a signal's kill: what the sandbox reports, the same in the event and the record",
      async () => {
        const { events, record } = await invoke("kill");
        const last = events.at(-1);
        expect(last).toMatchObject({ type: "error", code: "AGENT_FAILED" });
        const exitCode = last?.type === "error" ? last.exitCode : undefined;
        // Docker reports a killed process as such (null); a local sandbox's init reports 128 + 9.
        expect(exitCode).toBe(sandbox === "docker" ? null : 137);
        expect(record).toMatchObject({ status: "error", errorCode: "AGENT_FAILED" });
        expect(record.exitCode).toBe(exitCode ?? undefined);
      },
      120_000,
    );

    it.skipIf(!enabled)(
      "is absent when the agent succeeded (its result has exitCode 0)",
      async () => {
        const { events, record } = await invoke("0");
        expect(events.at(-1)).toMatchObject({ type: "result", exitCode: 0 });
        expect(record).toMatchObject({ status: "completed" });
        expect(record).not.toHaveProperty("exitCode");
      },
      120_000,
    );
  },
);
