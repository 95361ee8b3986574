// read_skill and task through the built bundle for every model family: the skill body reaches the
// model only as a tool result, and a sub-agent's events are tagged and its usage counted.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

const SKILL = "---\nname: demo\ndescription: Demo skill for tests\n---\nDEMO-BODY-MARKER steps";

describe.each(PROVIDERS)("skills and sub-agents with $name", (p) => {
  it("reads a skill on demand and runs a sub-agent to completion", async () => {
    ws = await makeWorkspace();
    const skillsDir = join(ws.dir, "skills");
    await mkdir(join(skillsDir, "demo"), { recursive: true });
    await writeFile(join(skillsDir, "demo", "SKILL.md"), SKILL);
    const double = await p.start([
      { toolCalls: [{ id: "c1", name: "read_skill", input: { name: "demo" } }] },
      { toolCalls: [{ id: "c2", name: "task", input: { agent: "helper", prompt: "do it" } }] },
      { text: "SUB-ANSWER" },
      { text: "done" },
    ]);
    try {
      const run = await runBundle(
        ws,
        {
          prompt: "task",
          model: p.model,
          skills: { dir: skillsDir, list: [{ name: "demo", description: "Demo skill for tests" }] },
          agents: {
            helper: {
              description: "Helps",
              systemPrompt: "HELPER-PROMPT",
              model: p.model,
              allowedTools: ["read_file"],
              maxTurns: 3,
            },
          },
        },
        p.env(double),
      );
      expect(run.exitCode).toBe(0);
      const results = ofType(run.events, "tool_result");
      expect(results.find((r) => r.toolName === "read_skill")?.content).toContain(
        "DEMO-BODY-MARKER",
      );
      expect(results.find((r) => r.toolName === "task")).toMatchObject({
        isError: false,
        content: "SUB-ANSWER",
      });
      const sub = ofType(run.events, "assistant").filter((e) => e.agent === "helper");
      expect(sub.map((e) => e.content)).toContain("SUB-ANSWER");
      const first = JSON.stringify(double.requests[0]?.body);
      expect(first).toContain("Demo skill for tests");
      expect(first).not.toContain("DEMO-BODY-MARKER");
      expect(JSON.stringify(double.requests[1]?.body)).toContain("DEMO-BODY-MARKER");
      expect(JSON.stringify(double.requests[2]?.body)).toContain("HELPER-PROMPT");
      // Four model calls of the default scripted usage (12 in, 7 out), the sub-agent's included.
      expect(ofType(run.events, "result")[0]?.usage).toMatchObject({
        inputTokens: 48,
        outputTokens: 28,
      });
    } finally {
      await double.close();
    }
  });
});
