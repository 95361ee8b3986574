// examples/branching: request.json POSTed to `sandcaster serve`. An Anthropic and an OpenAI double
// answer the two branches (one writes a wrong fizzbuzz.py, the other a right one), the Anthropic one
// also plays the judge; the judged winner's file — and only it — is the run's, and it is correct.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ScriptedTurn, startAnthropicDouble, startOpenAIDouble } from "@sandcaster/testkit";
import { expect, it } from "vitest";
import { modelEnv, scaffold } from "./examples-project.js";
import { expectNoLocalLeftovers, readUntil } from "./helpers.js";
import { serveSuite } from "./serve-suite.js";

const suite = serveSuite("example-branching");

const fizzbuzz = (fizz: number) =>
  `for i in range(1, 16):\n    print("FizzBuzz" if i % 15 == 0 else "Fizz" if i % ${fizz} == 0 else "Buzz" if i % 5 == 0 else i)\n`;
const attempt = (program: string, answer: string): ScriptedTurn[] => [
  { toolCalls: [{ name: "write_file", input: { path: "fizzbuzz.py", content: program } }] },
  { toolCalls: [{ name: "bash", input: { command: "python3 fizzbuzz.py" } }] },
  { text: answer },
];
const EXPECTED = Array.from({ length: 15 }, (_, k) => {
  const i = k + 1;
  return i % 15 === 0 ? "FizzBuzz" : i % 3 === 0 ? "Fizz" : i % 5 === 0 ? "Buzz" : String(i);
});

it("runs one branch per model family in parallel; the judge's pick is the run's answer and file", async () => {
  const project = await scaffold("branching", suite.dir);
  const anthropic = suite.double(
    await startAnthropicDouble({
      turns: [
        ...attempt(fizzbuzz(4), "claude: fizz on multiples of 4"),
        {
          text: JSON.stringify({
            winnerId: "branch-1",
            reason: "branch-1's output is FizzBuzz; branch-0 says Fizz on 4",
            scores: { "branch-0": 0.2, "branch-1": 0.9 },
          }),
        },
      ],
    }),
  );

  const openai = suite.double(
    await startOpenAIDouble({ turns: attempt(fizzbuzz(3), "gpt: correct fizzbuzz") }),
  );
  const env = {
    ...modelEnv(suite.dir, anthropic.url),
    OPENAI_API_KEY: "sk-openai-examples-test",
    OPENAI_BASE_URL: openai.url,
  };
  const server = await suite.serve(["--config", join(project, "sandcaster.json")], env, project);
  const response = await fetch(`${server.url}/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: await readFile(join(project, "request.json"), "utf8"),
  });
  expect(response.status).toBe(200);
  const runId = response.headers.get("x-run-id") ?? "";
  const events = (await readUntil(response, "result").all) as unknown as Record<string, unknown>[];
  const of = (type: string) => events.filter((e) => e.type === type);

  expect(
    of("branch_start")
      .map((e) => [e.branchId, e.provider])
      .sort(),
  ).toEqual([
    ["branch-0", "anthropic"],
    ["branch-1", "openai"],
  ]);
  // Both programs really ran, each in its own branch's sandbox.
  const runs = of("tool_result").filter((e) => e.toolName === "bash");
  expect(runs.map((e) => e.branchId).sort()).toEqual(["branch-0", "branch-1"]);
  expect(runs.find((e) => e.branchId === "branch-1")?.content).toContain(EXPECTED.join("\n"));
  expect(of("branch_selected")).toEqual([
    expect.objectContaining({ branchId: "branch-1", scores: { "branch-0": 0.2, "branch-1": 0.9 } }),
  ]);
  expect(of("result")).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ type: "result", content: "gpt: correct fizzbuzz" });

  // The winner's file is the run's file, and it prints FizzBuzz.
  const files = of("file");
  expect(files.map((f) => f.path)).toEqual(["fizzbuzz.py"]);
  const program = join(suite.dir, "winner.py");
  await writeFile(program, String(files[0]?.content));
  const { stdout } = await promisify(execFile)("python3", [program]);
  expect(stdout.trimEnd().split("\n")).toEqual(EXPECTED);

  // The judge saw both answers; nothing of either branch is left.
  expect(JSON.stringify(anthropic.requests.at(-1)?.body)).toContain(
    "claude: fizz on multiples of 4",
  );
  expect(JSON.stringify(anthropic.requests.at(-1)?.body)).toContain("gpt: correct fizzbuzz");
  for (const id of [runId, ...of("branch_start").map((e) => String(e.runId))])
    expect(await expectNoLocalLeftovers(id)).toEqual([]);
});
