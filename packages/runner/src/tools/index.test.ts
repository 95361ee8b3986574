// tools index: one definition per protocol tool name, schemas for models, selection.
import { TOOL_NAMES } from "@sandcaster/protocol";
import { describe, expect, it } from "vitest";
import { ALL_TOOLS, selectTools } from "./index.js";

describe("tools index", () => {
  it("has one tool per protocol name, each with an object input schema", () => {
    expect(ALL_TOOLS.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const tool of ALL_TOOLS) {
      expect(tool.inputSchema).toMatchObject({ type: "object", additionalProperties: false });
      expect(tool.inputSchema).not.toHaveProperty("$schema");
      expect(tool.description.length).toBeGreaterThan(20);
    }
  });

  it("marks only required fields as required", () => {
    const grep = ALL_TOOLS.find((t) => t.name === "grep");
    expect(grep?.inputSchema.required).toEqual(["pattern"]);
    const edit = ALL_TOOLS.find((t) => t.name === "edit_file");
    expect(edit?.inputSchema.required).toEqual(["path", "old_string", "new_string"]);
  });

  it("selects the allowed tools, all when undefined", () => {
    expect(selectTools().map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
    expect(selectTools(["grep", "bash"]).map((t) => t.name)).toEqual(["bash", "grep"]);
    expect(selectTools([])).toEqual([]);
  });

  it("never throws, even for a non-object input", async () => {
    const context = {
      cwd: "/nonexistent-dir-for-test",
      signal: new AbortController().signal,
      outputLimitChars: 1000,
      bashTimeoutMs: 1000,
    };
    for (const tool of ALL_TOOLS) {
      const r = await tool.run(null, context);
      expect(r.isError).toBe(true);
      expect(r.content).toMatch(/^invalid input: /);
    }
  });
});
