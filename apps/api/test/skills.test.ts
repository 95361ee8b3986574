// Skills end to end: SKILL.md folders from skillsDir and the request's extraSkills are uploaded into
// the sandbox, only their names and descriptions reach the model, the scripted model reads a body
// with read_skill, allowedSkills narrows what is offered, and read_skill cannot leave a skill folder.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { ScriptedTurn } from "@sandcaster/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();

const LINT_SKILL = [
  "---",
  "name: lint-rules",
  "description: House lint rules for TypeScript changes",
  "---",
  "# Lint rules",
  "LINT-BODY-MARKER: run check.sh before you answer.",
].join("\n");

const NOTES_SKILL = [
  "---",
  "name: release-notes",
  "description: 'How to write release notes: short, user-facing'",
  "---",
  "NOTES-BODY-MARKER: one line per change, newest first.",
].join("\n");

let skillsDir: string;
beforeAll(async () => {
  skillsDir = await mkdtemp(join(tmpdir(), "sandcaster-skills-test-"));
  await mkdir(join(skillsDir, "lint-rules", "scripts"), { recursive: true });
  await writeFile(join(skillsDir, "lint-rules", "SKILL.md"), LINT_SKILL);
  await writeFile(
    join(skillsDir, "lint-rules", "scripts", "check.sh"),
    "echo CHECK-SCRIPT-MARKER\n",
  );
  await mkdir(join(skillsDir, "not-a-skill")); // no SKILL.md: ignored
});
afterAll(async () => {
  await rm(skillsDir, { recursive: true, force: true });
});

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const call = (name: string, input: Record<string, unknown>) => ({ name, input });

function toolResults(events: ReceivedEvent[], toolName: string) {
  return events
    .map((e) => e.data)
    .filter((d): d is Extract<SandcasterEvent, { type: "tool_result" }> => d.type === "tool_result")
    .filter((d) => d.toolName === toolName);
}

interface AnthropicBody {
  system?: unknown;
  tools?: { name: string }[];
}

describe.each(SANDBOXES)("skills on $sandbox", ({ sandbox, enabled }) => {
  const server = async (turns: ScriptedTurn[]) =>
    startTestServer({
      turns,
      sandbox,
      config: { skillsDir },
      ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
    });

  it.skipIf(!enabled)(
    "lists names and descriptions only, reads a body and a folder file on demand, stays in the folder",
    async () => {
      t = await server([
        { toolCalls: [call("read_skill", { name: "release-notes" })] },
        {
          toolCalls: [
            call("read_skill", { name: "lint-rules", file: "scripts/check.sh" }),
            // The runner's config (with the gateway token) is two levels up: never readable.
            call("read_skill", { name: "lint-rules", file: "../../config.json" }),
            call("read_skill", { name: "../lint-rules" }),
          ],
        },
        { text: "notes written" },
      ]);
      const response = await postQuery(t.url, {
        prompt: "write the release notes",
        extraSkills: { "release-notes": NOTES_SKILL },
      });
      expect(response.status).toBe(200);
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await readEvents(response);
      expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "notes written" });

      const first = t.double.requests[0]?.body as AnthropicBody;
      const system = JSON.stringify(first.system);
      expect(system).toContain("lint-rules: House lint rules for TypeScript changes");
      expect(system).toContain("release-notes: How to write release notes: short, user-facing");
      // Unused skills cost no tokens: no body is in any call before it is read.
      expect(JSON.stringify(first)).not.toContain("BODY-MARKER");
      expect(first.tools?.map((tool) => tool.name)).toContain("read_skill");

      const [notes, script, outside, badName] = toolResults(events, "read_skill");
      expect(notes).toMatchObject({ isError: false });
      expect(notes?.content).toContain("NOTES-BODY-MARKER");
      expect(notes?.content).not.toContain("description:");
      expect(script).toMatchObject({ isError: false });
      expect(script?.content).toContain("CHECK-SCRIPT-MARKER");
      expect(outside).toMatchObject({ isError: true });
      expect(outside?.content).not.toContain("token");
      expect(badName).toMatchObject({
        isError: true,
        content: expect.stringContaining("no skill"),
      });
      // The body the model read went back to it as the tool result.
      expect(JSON.stringify(t.double.requests[1]?.body)).toContain("NOTES-BODY-MARKER");
      // Skills live outside the workspace: they are not taken for the agent's work.
      expect(events.filter((e) => e.data.type === "file")).toEqual([]);
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
  );

  it.skipIf(!enabled)("allowedSkills offers only the named skills", async () => {
    t = await server([
      { toolCalls: [call("read_skill", { name: "lint-rules" })] },
      { toolCalls: [call("read_skill", { name: "release-notes" })] },
      { text: "done" },
    ]);
    const response = await postQuery(t.url, {
      prompt: "go",
      extraSkills: { "release-notes": NOTES_SKILL },
      allowedSkills: ["release-notes"],
    });
    expect(response.status).toBe(200);
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "result", content: "done" });
    const system = JSON.stringify(
      (t.double.requests[0]?.body as AnthropicBody | undefined)?.system,
    );
    expect(system).toContain("release-notes:");
    expect(system).not.toContain("lint-rules");
    const [lint, notes] = toolResults(events, "read_skill");
    expect(lint).toMatchObject({ isError: true, content: expect.stringContaining("no skill") });
    expect(notes?.content).toContain("NOTES-BODY-MARKER");
  });
});

describe("skills bad input", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ turns: [], config: { skillsDir } });
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
    const detail = json.details?.find((d) => d.field === field);
    expect(detail?.message).toContain(text);
    expect(JSON.stringify(json)).not.toMatch(/at .*\.(ts|js):\d+/);
  }

  it("names the skill and the front-matter field, and starts no run", async () => {
    await expect400(
      { extraSkills: { broken: "---\nname: broken\ndescription: [unclosed\n---\nbody" } },
      "extraSkills.broken",
      "not valid YAML",
    );
    await expect400(
      { extraSkills: { mine: "---\nname: other\ndescription: x\n---\nbody" } },
      "extraSkills.mine",
      "front matter name",
    );
    await expect400(
      { extraSkills: { nodesc: "---\nname: nodesc\n---\nbody" } },
      "extraSkills.nodesc",
      "description",
    );
    await expect400(
      { extraSkills: { open: "---\nname: open\ndescription: x\nbody" } },
      "extraSkills.open",
      "never closed",
    );
    await expect400({ extraSkills: { "bad name": "x" } }, "extraSkills.bad name", "letters");
    await expect400(
      { allowedSkills: ["lint-rules", "nope"] },
      "allowedSkills.1",
      'no skill named "nope"',
    );
    expect(await server.store.listRuns({ limit: 10 })).toMatchObject({ runs: [] });
    expect(server.double.requests).toEqual([]);
  });
});
