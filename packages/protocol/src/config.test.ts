import { describe, expect, it } from "vitest";
import { SandcasterConfigSchema } from "./config.js";
import { describeIssues } from "./validation.js";

describe("SandcasterConfigSchema", () => {
  it("accepts a typical config", () => {
    const config = SandcasterConfigSchema.parse({
      model: "sonnet",
      timeout: 600,
      allowedTools: ["Bash"],
    });
    expect(config.allowedTools).toEqual(["bash"]);
  });

  it("names the path of an unknown key, nested too", () => {
    const parsed = SandcasterConfigSchema.safeParse({
      modle: "sonnet",
      outputFormat: { type: "json_schema", schema: {}, strict: true },
    });
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      const described = describeIssues(parsed.error).split("; ").sort();
      expect(described).toEqual(["modle: unknown field", "outputFormat.strict: unknown field"]);
    }
  });

  it("keeps one warm sandbox per deployed agent unless agentPool says otherwise", () => {
    expect(SandcasterConfigSchema.parse({}).agentPool).toEqual({ size: 1, maxAgeSecs: 900 });
    expect(SandcasterConfigSchema.parse({ agentPool: { maxAgeSecs: 60 } }).agentPool).toEqual({
      size: 1,
      maxAgeSecs: 60,
    });
    const parsed = SandcasterConfigSchema.safeParse({ agentPool: { size: -1, count: 2 } });
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(describeIssues(parsed.error).split("; ").sort()).toEqual([
        "agentPool.count: unknown field",
        expect.stringMatching(/^agentPool\.size: /),
      ]);
    }
  });
});
