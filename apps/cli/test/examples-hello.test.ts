// examples/hello, run as its README says (`sandcaster query … --out out`) in-process on the local
// sandbox, with a scripted model: the script it wrote really ran there, and came back into ./out.
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { jsonEvents, modelEnv, scaffold } from "./examples-project.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("example-hello");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

it("writes hello.py in a sandbox, runs it there, and saves it into ./out", async () => {
  const project = await scaffold("hello", dir);
  double = await startAnthropicDouble({
    turns: [
      {
        text: "Writing hello.py.",
        toolCalls: [
          { name: "write_file", input: { path: "hello.py", content: "print('hello')\n" } },
        ],
      },
      { toolCalls: [{ name: "bash", input: { command: "python3 hello.py" } }] },
      { text: "hello.py prints hello." },
    ],
  });
  const prompt = "Write hello.py that prints hello, then run it with python3";
  const result = await runCli(
    ["query", prompt, "--out", "out", "--json"],
    modelEnv(dir, double.url),
    project,
  );
  expect(result.code, result.stderr).toBe(0);
  const events = jsonEvents(result.stdout);
  expect(events[0]).toMatchObject({ type: "system", sandboxProvider: "local" });
  // The output of running the file the agent wrote, inside the sandbox.
  const ran = events.find((e) => e.type === "tool_result" && e.toolName === "bash");
  expect(ran).toMatchObject({ isError: false, content: expect.stringContaining("hello") });
  expect(events.at(-1)).toMatchObject({ type: "result", content: "hello.py prints hello." });

  const saved = join(project, "out", "hello.py");
  expect(await readFile(saved, "utf8")).toBe("print('hello')\n");
  const { stdout } = await promisify(execFile)("python3", [saved]);
  expect(stdout).toBe("hello\n");
  // The prompt reached the model, with the project's settings.
  expect(JSON.stringify(double.requests[0]?.body)).toContain(prompt);
});
