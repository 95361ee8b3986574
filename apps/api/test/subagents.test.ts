// Sub-agents end to end: the scripted agent calls `task`, a named sub-agent runs in the same sandbox
// with its own prompt, model and tools, its events stream tagged with its name, its answer comes
// back as the tool result, and its tokens (metered by the host's gateway) count toward the run.
import { randomUUID } from "node:crypto";
import type { RunRecord, SandcasterEvent } from "@sandcaster/protocol";
import type { ScriptedTurn } from "@sandcaster/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const call = (name: string, input: Record<string, unknown>) => ({ name, input });
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });

const AGENTS = {
  reviewer: {
    description: "Reviews the workspace and reports findings",
    systemPrompt: "You are REVIEWER-PROMPT, a careful reviewer.",
    model: "haiku",
    allowedTools: ["bash", "read_file"],
    maxTurns: 5,
  },
};

interface AnthropicBody {
  model?: string;
  system?: unknown;
  tools?: { name: string }[];
}

const bodyOf = (server: TestServer, index: number) =>
  (server.double.requests[index]?.body ?? {}) as AnthropicBody;

describe.each(SANDBOXES)("sub-agents on $sandbox", ({ sandbox, enabled }) => {
  const server = async (turns: ScriptedTurn[]) =>
    startTestServer({
      turns,
      sandbox,
      config: { agents: AGENTS, model: "claude-sonnet-4-6" },
      ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
    });

  it.skipIf(!enabled)(
    "runs a named sub-agent via task: tagged events, its answer as the result, tokens counted",
    async () => {
      t = await server([
        // 1 the agent delegates
        {
          toolCalls: [call("task", { agent: "reviewer", prompt: "write and check review.txt" })],
          usage: usage(100, 10),
        },
        // 2, 3 the sub-agent works in the same sandbox, then answers
        {
          toolCalls: [call("bash", { command: "echo sub-ran > review.txt; cat review.txt" })],
          usage: usage(1000, 100),
        },
        { text: "REVIEW-ANSWER: all good", usage: usage(2000, 200) },
        // 4 the agent reads the sub-agent's file and answers
        { toolCalls: [call("read_file", { path: "review.txt" })], usage: usage(5000, 500) },
        { text: "final answer", usage: usage(10000, 1000) },
      ]);
      const response = await postQuery(t.url, { prompt: "review this" });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = (await readEvents(response)).map((e) => e.data);
      const result = events.at(-1) as Extract<SandcasterEvent, { type: "result" }>;
      expect(result).toMatchObject({ type: "result", content: "final answer" });

      // The sub-agent's own system prompt, model and tools (never task: no recursion).
      const parent = bodyOf(t, 0);
      const sub = bodyOf(t, 1);
      expect(parent.model).toBe("claude-sonnet-4-6");
      expect(parent.tools?.map((tool) => tool.name)).toContain("task");
      expect(JSON.stringify(parent.tools)).toContain("Reviews the workspace");
      expect(sub.model).toBe("claude-haiku-4-5");
      expect(JSON.stringify(sub.system)).toContain("REVIEWER-PROMPT");
      expect(JSON.stringify(sub.system)).not.toContain("capable software engineering agent");
      expect(sub.tools?.map((tool) => tool.name).sort()).toEqual(["bash", "read_file"]);
      // The sub-agent saw only the task's prompt, not the parent's conversation.
      expect(JSON.stringify(sub)).not.toContain("review this");

      // Its events carry its name; the run's own agent's do not.
      const tagged = events.filter((e) => "agent" in e && e.agent === "reviewer");
      expect(tagged.map((e) => `${e.type}:${"subtype" in e ? e.subtype : ""}`)).toEqual(
        expect.arrayContaining([
          "system:subagent_start",
          "tool_use:",
          "tool_result:",
          "assistant:complete",
          "system:subagent_end",
        ]),
      );
      expect(tagged.find((e) => e.type === "tool_result")).toMatchObject({
        toolName: "bash",
        content: expect.stringContaining("sub-ran"),
      });
      const taskResult = events.find((e) => e.type === "tool_result" && e.toolName === "task");
      expect(taskResult).toMatchObject({ isError: false, content: "REVIEW-ANSWER: all good" });
      expect(taskResult).not.toHaveProperty("agent");
      // Same sandbox: the parent reads the file the sub-agent wrote.
      const read = events.find((e) => e.type === "tool_result" && e.toolName === "read_file");
      expect(read).toMatchObject({ isError: false, content: expect.stringContaining("sub-ran") });

      // Every model call (the sub-agent's too) is counted, in the result and the record.
      expect(result.usage).toMatchObject({ inputTokens: 18100, outputTokens: 1810 });
      const record = (await (await fetch(`${t.url}/runs/${runId}`)).json()) as RunRecord;
      expect(record.usage).toMatchObject({ inputTokens: 18100, outputTokens: 1810 });
      expect(record.costUsd).toBe(result.costUsd);
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
  );

  it.skipIf(!enabled)(
    "attack: a sub-agent cannot use a tool the request took away from the run",
    async () => {
      const marker = `/tmp/sandcaster-subagent-escalation-${randomUUID()}`;
      t = await server([
        { toolCalls: [call("task", { agent: "sneaky", prompt: "run it" })] },
        // The sub-agent tries bash although its definition asks for it
        { toolCalls: [call("bash", { command: `touch ${marker}; echo ESCALATED` })] },
        { text: "tried" },
        { text: "done" },
      ]);
      const response = await postQuery(t.url, {
        prompt: "go",
        allowedTools: ["read_file"],
        extraAgents: {
          sneaky: { description: "wants bash", systemPrompt: "use bash", allowedTools: ["bash"] },
        },
        allowedAgents: ["sneaky"],
      });
      expect(response.status).toBe(200);
      const events = (await readEvents(response)).map((e) => e.data);
      expect(events.at(-1)).toMatchObject({ type: "result", content: "done" });
      expect(bodyOf(t, 1).tools ?? []).toEqual([]);
      const bash = events.find((e) => e.type === "tool_result" && e.toolName === "bash");
      expect(bash).toMatchObject({ isError: true, agent: "sneaky" });
      expect(JSON.stringify(events)).not.toContain("ESCALATED\\n");
      // allowedAgents left out the configured reviewer
      expect(JSON.stringify(bodyOf(t, 0).tools)).not.toContain("Reviews the workspace");
    },
  );
});

describe("sub-agents in a session", () => {
  it("keeps the sub-agent's conversation out of the session's history", async () => {
    t = await startTestServer({
      turns: [
        { toolCalls: [call("task", { agent: "reviewer", prompt: "SUBTASK-PROMPT" })] },
        { toolCalls: [call("bash", { command: "echo SUB-BASH-MARKER" })] },
        { text: "SUB-ANSWER-MARKER" },
        { text: "turn one done" },
        { text: "turn two done" },
      ],
      config: { agents: AGENTS },
    });
    const created = await fetch(new URL("/sessions", t.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sandboxProvider: "local" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const one = await readEvents(await postQuery(t.url, { prompt: "first", sessionId: id }));
    expect(one.at(-1)?.data).toMatchObject({ type: "result", content: "turn one done" });
    const two = await readEvents(await postQuery(t.url, { prompt: "second", sessionId: id }));
    expect(two.at(-1)?.data).toMatchObject({ type: "result", content: "turn two done" });
    const history = JSON.stringify(t.double.requests[4]?.body);
    // The parent's own task call and its answer carry over; the sub-agent's inner steps do not.
    expect(history).toContain("SUBTASK-PROMPT");
    expect(history).toContain("SUB-ANSWER-MARKER");
    expect(history).not.toContain("SUB-BASH-MARKER");
  });
});

describe("sub-agents bad input", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ turns: [], config: { agents: AGENTS } });
  });
  afterAll(async () => {
    await server.close();
  });

  async function expect400(body: Record<string, unknown>, field: string, text: string) {
    const response = await postQuery(server.url, { prompt: "go", ...body });
    expect(response.status).toBe(400);
    const json = (await response.json()) as {
      code: string;
      details?: { field: string; message: string }[];
    };
    expect(json.code).toBe("INVALID_REQUEST");
    expect(json.details?.find((d) => d.field === field)?.message).toContain(text);
  }

  it("names the agent and its field, and starts no run", async () => {
    await expect400({ allowedAgents: ["reviewer", "ghost"] }, "allowedAgents.1", '"ghost"');
    await expect400(
      { extraAgents: { helper: { description: "x" } } },
      "extraAgents.helper.systemPrompt",
      "systemPrompt",
    );
    await expect400(
      { extraAgents: { helper: { description: "x", systemPrompt: "y", allowedTools: ["rm"] } } },
      "extraAgents.helper.allowedTools.0",
      "unknown tool",
    );
    await expect400(
      { extraAgents: { helper: { description: "x", systemPrompt: "y", model: "gpt-5" } } },
      "extraAgents.helper.model",
      "served by openai",
    );
    await expect400({ extraAgents: { "a b": { description: "x" } } }, "extraAgents.a b", "name");
    expect(await server.store.listRuns({ limit: 10 })).toMatchObject({ runs: [] });
    expect(server.double.requests).toEqual([]);
  });

  it("OpenAPI documents the fields and the agent tag on events", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const request = doc.components.schemas.QueryRequest?.properties ?? {};
    for (const field of ["allowedSkills", "extraSkills", "allowedAgents", "extraAgents"]) {
      expect(request).toHaveProperty(field);
    }
    for (const event of ["SystemEvent", "AssistantEvent", "ToolUseEvent", "ToolResultEvent"]) {
      expect(doc.components.schemas[event]?.properties?.agent).toMatchObject({
        description: expect.stringContaining("sub-agent"),
      });
    }
  });
});
