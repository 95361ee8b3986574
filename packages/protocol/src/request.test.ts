import { describe, expect, it } from "vitest";
import { QueryRequestSchema } from "./request.js";
import { fieldIssues } from "./validation.js";

function issues(body: unknown) {
  const parsed = QueryRequestSchema.safeParse(body);
  if (parsed.success) throw new Error("expected the body to be rejected");
  return fieldIssues(parsed.error);
}

describe("QueryRequestSchema", () => {
  it("accepts the published protocol's fields and leaves defaults to the server config", () => {
    const parsed = QueryRequestSchema.parse({
      prompt: "fix the tests",
      apiKeys: { anthropic: "sk-ant-x", e2b: "e2b_x" },
      model: "sonnet",
      maxTurns: 5,
      files: { "src/a.ts": "export {}" },
      allowedTools: ["Bash", "Read", "grep"],
      provider: "anthropic",
      thinkingLevel: "low",
      sandboxProvider: "docker",
      systemPrompt: "be brief",
      outputFormat: { type: "json_schema", schema: { type: "object" } },
      composite: { maxSandboxes: 2 },
      metadata: { team: "infra" },
    });
    expect(parsed.timeout).toBeUndefined();
    expect(parsed.allowedTools).toEqual(["bash", "read_file", "grep"]);
    // Upstream starters list "Task" (sub-agents) and "Skill": accepted, decided by agents/skills.
    const upstream = QueryRequestSchema.parse({
      prompt: "x",
      allowedTools: ["Read", "Task", "Skill"],
    });
    expect(upstream.allowedTools).toEqual(["read_file"]);
    expect(parsed.files).toEqual([
      { path: "src/a.ts", content: "export {}", encoding: "utf8", sizeBytes: 9 },
    ]);
  });

  it("bounds outputFormat.schema depth and size, naming the field", () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(
      issues({ prompt: "x", outputFormat: { type: "json_schema", schema: { deep } } }),
    ).toEqual([
      { field: "outputFormat.schema", message: "the schema is nested deeper than 32 levels" },
    ]);
    const wide = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]));
    expect(issues({ prompt: "x", outputFormat: { type: "json_schema", schema: wide } })).toEqual([
      { field: "outputFormat.schema", message: "the schema has more than 10000 values" },
    ]);
    let ok: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 14; i++) ok = { type: "object", properties: { a: ok } };
    expect(
      QueryRequestSchema.safeParse({
        prompt: "x",
        outputFormat: { type: "json_schema", schema: ok },
      }).success,
    ).toBe(true);
  });

  it("names unknown fields instead of ignoring them", () => {
    expect(issues({ prompt: "x", notAField: {} })).toEqual([
      { field: "notAField", message: "unknown field" },
    ]);
  });

  it("names fields with the wrong type or range", () => {
    const fields = issues({ prompt: "", timeout: 4, maxTurns: 1.5, sandboxProvider: "vercel" }).map(
      (i) => i.field,
    );
    expect(fields.sort()).toEqual(["maxTurns", "prompt", "sandboxProvider", "timeout"]);
    expect(issues({ prompt: "x", timeout: 3601 })[0]?.field).toBe("timeout");
  });

  it.each([
    ["/etc/passwd", "absolute"],
    ["C:\\\\windows\\\\x", "absolute"],
    ["../secret", "escapes"],
    ["a/../../b", "escapes"],
    ["./", "names no file"],
  ])("rejects the file path %s", (path, message) => {
    const [issue] = issues({ prompt: "x", files: { [path]: "data" } });
    expect(issue?.field).toBe(`files.${path}`);
    expect(issue?.message).toContain(message);
  });

  it("rejects two paths that name the same file", () => {
    const [issue] = issues({ prompt: "x", files: { "a/b.txt": "1", "a/./b.txt": "2" } });
    expect(issue?.message).toContain('both name "a/b.txt"');
  });

  it("normalises paths and accepts base64 files", () => {
    const parsed = QueryRequestSchema.parse({
      prompt: "x",
      files: { "dir//x/../y.bin": { content: "AAEC/w==", encoding: "base64" } },
    });
    expect(parsed.files).toEqual([
      { path: "dir/y.bin", content: "AAEC/w==", encoding: "base64", sizeBytes: 4 },
    ]);
    expect(
      issues({ prompt: "x", files: { "a.bin": { content: "not base64!", encoding: "base64" } } })[0]
        ?.message,
    ).toContain("base64");
  });

  it("limits files to 20 and 10 MB in total", () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}.txt`, "x"]));
    expect(issues({ prompt: "x", files: many })[0]?.message).toContain("too many files");
    const big = "x".repeat(6 * 1024 * 1024);
    expect(issues({ prompt: "x", files: { "a.txt": big, "b.txt": big } })[0]?.message).toContain(
      "at most 10485760 bytes",
    );
  });

  it("names an unknown tool by its index", () => {
    expect(issues({ prompt: "x", allowedTools: ["bash", "WebSearch"] })).toEqual([
      { field: "allowedTools.1", message: expect.stringContaining('unknown tool "WebSearch"') },
    ]);
  });

  it("rejects unknown keys inside apiKeys and composite", () => {
    expect(issues({ prompt: "x", apiKeys: { vercel: "v" } })[0]?.field).toBe("apiKeys.vercel");
    expect(issues({ prompt: "x", composite: { pollIntervalMs: 5 } })[0]?.field).toBe(
      "composite.pollIntervalMs",
    );
  });
});
