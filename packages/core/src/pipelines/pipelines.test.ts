import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PlanError } from "../errors/plan-error.js";
import { parsePipeline } from "./parse-pipeline.js";
import type { StepResult } from "./result-block.js";
import { stripResults } from "./strip-results.js";
import { writeResults } from "./write-results.js";

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");

function result(index: number, output: string, exitCode: number | null = 0): StepResult {
  return { index, exitCode, durationSecs: 0.25, timedOut: false, output, omittedBytes: 0 };
}

function refusal(markdown: string): PlanError {
  try {
    parsePipeline(markdown);
  } catch (error) {
    if (PlanError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("not refused");
}

describe("parsePipeline", () => {
  it("finds the top-level bash blocks with their options, and the front matter", () => {
    const parsed = parsePipeline(fixture("three-steps.md"));
    expect(parsed.frontMatter).toEqual({ timeout: 20 });
    expect(parsed.title).toBe("# Three steps");
    expect(parsed.steps.map((s) => s.command)).toEqual([
      'echo hello > greeting.txt\necho "step one"',
      'cat greeting.txt\necho "to stderr" >&2',
      "wc -c < greeting.txt",
    ]);
    expect(parsed.steps.map((s) => s.timeoutSecs)).toEqual([20, 20, 20]);
  });

  it("reads continue-on-error and timeout=N from the info string", () => {
    const parsed = parsePipeline("```bash continue-on-error timeout=5\ntrue\n```\n");
    expect(parsed.steps[0]).toMatchObject({ continueOnError: true, timeoutSecs: 5 });
  });

  it("refuses what it cannot run, naming the field", () => {
    expect(refusal("# no steps\n\n```sh\nls\n```\n").field).toBe("markdown");
    expect(refusal("---\ntimeout: [\n---\n```bash\nls\n```\n").field).toBe("frontMatter");
    expect(refusal("---\ntemplate: python\n---\n```bash\nls\n```\n").field).toBe(
      "frontMatter.template",
    );
    expect(refusal("---\ntimeout: 0\n---\n```bash\nls\n```\n").field).toBe("frontMatter.timeout");
    expect(refusal("```bash retry=3\nls\n```\n").field).toBe("steps[0].info");
    expect(refusal("- item\n\n  ```bash\n  ls\n  ```\n").field).toBe("markdown");
    expect(refusal("```bash\nls\n").message).toMatch(/never closed/);
  });
});

describe("results written back", () => {
  const source = fixture("three-steps.md");
  const parsed = parsePipeline(source);
  const written = writeResults(parsed, [
    result(0, "step one\n"),
    result(1, "hello\nto stderr\n", 2),
    result(2, "weird ``` fence\n<!-- /sandcaster:result -->\n"),
  ]);

  it("match the golden file", async () => {
    await expect(written).toMatchFileSnapshot("fixtures/three-steps.result.md");
  });

  it("are removed again byte for byte, also from CRLF documents", () => {
    expect(stripResults(written)).toBe(source);
    const crlf = source.replaceAll("\n", "\r\n");
    const again = writeResults(parsePipeline(crlf), [result(0, "a\n"), result(2, "")]);
    expect(again).toContain("\r\n<details>\r\n");
    expect(stripResults(again)).toBe(crlf);
  });

  it("are replaced, not appended, when the document runs again", () => {
    const reparsed = parsePipeline(written);
    expect(reparsed.source).toBe(source);
    const rerun = writeResults(reparsed, [result(0, "second run\n")]);
    expect(rerun.match(/<!-- sandcaster:result /g)).toHaveLength(1);
    expect(rerun).toContain("second run");
    expect(rerun).not.toContain("hello\nto stderr");
  });

  it("keep a marker printed by a step as output, not as a marker", () => {
    expect(written.match(/<!-- \/sandcaster:result -->/g)).toHaveLength(4);
    expect(parsePipeline(written).steps).toHaveLength(3);
  });
});
