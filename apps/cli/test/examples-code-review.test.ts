// examples/code-review: the answer is JSON matching review.schema.json (outputFormat in its
// sandcaster.json). A scripted reviewer reads the sample and answers; the run's structuredOutput is
// validated here with Ajv against the schema file — and an answer that does not match is flagged.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { Ajv } from "ajv";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { jsonEvents, modelEnv, readConfig, scaffold } from "./examples-project.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("example-review");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

const REVIEW = {
  summary: "Two bugs: the discount is not divided by 100, and total() skips the first item.",
  verdict: "request_changes",
  findings: [
    {
      file: "src/discount.js",
      line: 4,
      severity: "error",
      message: "percent is used as a fraction: divide it by 100",
    },
    {
      file: "src/discount.js",
      line: 10,
      severity: "error",
      message: "the loop starts at 1 and skips the first item",
    },
  ],
};

async function review(answer: string) {
  const project = await scaffold("code-review", dir);
  double = await startAnthropicDouble({
    turns: [
      { toolCalls: [{ name: "read_file", input: { path: "src/discount.js" } }] },
      { text: answer },
    ],
  });
  const result = await runCli(
    ["query", "Review src/discount.js for bugs", "--file", "src/discount.js", "--json"],
    modelEnv(dir, double.url),
    project,
  );
  return { project, result, events: jsonEvents(result.stdout) };
}

it("ends with a structuredOutput that validates against review.schema.json", async () => {
  const { project, result, events } = await review(JSON.stringify(REVIEW));
  expect(result.code, result.stderr).toBe(0);
  const schema = JSON.parse(await readFile(join(project, "review.schema.json"), "utf8"));
  // The schema the run enforces is the one the example ships.
  expect((await readConfig(project)).outputFormat).toEqual({ type: "json_schema", schema });

  const read = events.find((e) => e.type === "tool_result" && e.toolName === "read_file");
  expect(read?.content).toContain("priceCents * percent");
  const end = events.at(-1);
  expect(end).toMatchObject({ type: "result", structuredOutput: REVIEW });
  const validate = new Ajv({ strict: true }).compile(schema);
  expect(validate(end?.structuredOutput), JSON.stringify(validate.errors)).toBe(true);

  // The model was told the schema, and given the read-only tools only.
  const body = double?.requests[0]?.body as { system: string; tools: { name: string }[] };
  expect(body.system).toContain(JSON.stringify(schema));
  const tools = body.tools.map((t) => t.name);
  expect(tools).toContain("read_file");
  expect(tools).not.toContain("bash");
  expect(tools).not.toContain("write_file");
});

it("an answer outside the schema gets no structuredOutput and an OUTPUT_FORMAT_MISMATCH warning", async () => {
  const { events } = await review(JSON.stringify({ ...REVIEW, verdict: "looks fine" }));
  expect(events).toContainEqual(
    expect.objectContaining({ type: "warning", code: "OUTPUT_FORMAT_MISMATCH" }),
  );
  expect(events.at(-1)).not.toHaveProperty("structuredOutput");
});
