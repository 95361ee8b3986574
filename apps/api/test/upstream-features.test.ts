// The upstream SDK's request fields that its server accepts and ignores, driven through the client
// written to its published contract: here skills, sub-agents (in upstream's `prompt`/`tools`
// spelling, with `Task` and `Skill` in allowedTools as its starters list them) and branching work,
// and the client's typed stream sees the branch events it knows.
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { expectNoLeftovers } from "./leftovers.js";
import { type UpstreamEvent, upstreamClient } from "./upstream-client.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function collect(stream: AsyncIterable<UpstreamEvent>): Promise<UpstreamEvent[]> {
  const out: UpstreamEvent[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

const SKILL = `---
name: greet
description: How to greet in this project
---
Always greet with SKILL-BODY-MARK.
`;

interface ToolsBody {
  tools?: { name: string }[];
}

describe.skipIf(!hasService("bwrap"))("upstream request fields that work here (local)", () => {
  it("extraSkills, extraAgents in upstream's spelling, and Task/Skill in allowedTools", async () => {
    t = await startTestServer({
      turns: [
        {
          toolCalls: [
            { name: "read_skill", input: { name: "greet" } },
            { name: "task", input: { agent: "helper", prompt: "help" } },
          ],
        },
        { text: "HELPER-DONE" },
        { text: "final answer" },
      ],
    });
    const client = upstreamClient(t.url);
    const events = await collect(
      client.query({
        prompt: "greet",
        allowedTools: ["Bash", "Read", "Task", "Skill"],
        extraSkills: { greet: SKILL },
        allowedSkills: ["greet"],
        extraAgents: { helper: { description: "Helps", prompt: "You help.", tools: ["Read"] } },
        allowedAgents: ["helper"],
      }),
    );
    expect(events.at(-1)).toMatchObject({ type: "result", content: "final answer" });
    // Task and Skill were accepted and the tools they stand for exist.
    const offered = ((t.double.requests[0]?.body as ToolsBody | undefined)?.tools ?? []).map(
      (x) => x.name,
    );
    expect(offered.sort()).toEqual(["bash", "read_file", "read_skill", "task"]);
    const results = events.filter((e) => e.type === "tool_result");
    expect(results.find((r) => r.toolName === "read_skill")).toMatchObject({
      isError: false,
      content: expect.stringContaining("SKILL-BODY-MARK"),
    });
    expect(results.find((r) => r.toolName === "task")).toMatchObject({
      isError: false,
      content: "HELPER-DONE",
    });
    // The sub-agent got its own prompt and only its `tools` (plus read_skill, never task).
    const sub = t.double.requests[1]?.body as ToolsBody & { system?: unknown };
    expect(JSON.stringify(sub.system)).toContain("You help.");
    expect((sub.tools ?? []).map((x) => x.name).sort()).toEqual(["read_file", "read_skill"]);
  });

  it("without agents or skills, Task and Skill in allowedTools add no tool", async () => {
    t = await startTestServer({ turns: [{ text: "ok" }] });
    const events = await collect(
      upstreamClient(t.url).query({ prompt: "x", allowedTools: ["Read", "Task", "Skill"] }),
    );
    expect(events.at(-1)).toMatchObject({ type: "result", content: "ok" });
    const offered = ((t.double.requests[0]?.body as ToolsBody | undefined)?.tools ?? []).map(
      (x) => x.name,
    );
    expect(offered).toEqual(["read_file"]);
  });

  it("branching: the typed stream sees every branch event, and one result", async () => {
    t = await startTestServer({
      turns: [{ text: '{"answer":"42"}' }, { text: "not json" }],
    });
    const events = await collect(
      upstreamClient(t.url).query({
        prompt: "answer as JSON",
        outputFormat: {
          type: "json_schema",
          schema: { type: "object", properties: { answer: { type: "string" } } },
        },
        branching: { count: 2, trigger: "always", evaluator: { type: "schema" } },
      }),
    );
    const types = events.map((e) => e.type);
    expect(types.filter((x) => x === "branch_start")).toHaveLength(2);
    expect(types.filter((x) => x === "branch_complete")).toHaveLength(2);
    const selected = events.find((e) => e.type === "branch_selected");
    expect(selected).toMatchObject({ reason: expect.any(String), branchIndex: expect.any(Number) });
    const summary = events.find((e) => e.type === "branch_summary");
    expect(summary).toMatchObject({ totalBranches: 2, successCount: 2, evaluator: "schema" });
    expect(types.filter((x) => x === "result")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "result", content: '{"answer":"42"}' });
    const runs = await upstreamClient(t.url).listRuns();
    for (const run of runs) expect(await expectNoLeftovers(run.id)).toEqual([]);
  });
});
