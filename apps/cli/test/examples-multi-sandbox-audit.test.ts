// examples/multi-sandbox-audit: the request make-request.mjs prints, POSTed to `sandcaster serve`
// with a scripted model. The audit really runs in two secondary sandboxes at once, its findings
// come back to the primary one as report.md, and no sandbox of the run is left afterwards.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ScriptedToolCall, startAnthropicDouble } from "@sandcaster/testkit";
import { expect, it } from "vitest";
import { modelEnv, scaffold } from "./examples-project.js";
import { expectNoLocalLeftovers, readUntil } from "./helpers.js";
import { serveSuite } from "./serve-suite.js";

const suite = serveSuite("example-audit");

const call = (name: string, input: Record<string, unknown>): ScriptedToolCall => ({ name, input });
const REPORT =
  'for f in findings/*.txt; do echo "## $(basename "$f" .txt)"; cat "$f"; echo; done > report.md';

it("audits each service in a sandbox of its own, in parallel, and leaves none behind", async () => {
  const project = await scaffold("multi-sandbox-audit", suite.dir);
  const double = suite.double(
    await startAnthropicDouble({
      turns: [
        {
          toolCalls: [
            call("spawn_sandbox", { name: "api" }),
            call("spawn_sandbox", { name: "web" }),
          ],
        },
        {
          toolCalls: [
            call("transfer_files", {
              from: "primary",
              to: "api",
              paths: ["audit.sh", "services/api/server.js"],
            }),
            call("transfer_files", {
              from: "primary",
              to: "web",
              paths: ["audit.sh", "services/web/app.js"],
            }),
          ],
        },
        {
          toolCalls: [
            call("exec_in", { sandbox: "api", command: "bash audit.sh services/api" }),
            call("exec_in", { sandbox: "web", command: "bash audit.sh services/web" }),
          ],
        },
        {
          toolCalls: [
            call("transfer_files", { from: "api", to: "primary", paths: ["findings/api.txt"] }),
            call("transfer_files", { from: "web", to: "primary", paths: ["findings/web.txt"] }),
          ],
        },
        { toolCalls: [call("bash", { command: REPORT })] },
        { text: "report.md has the findings of both services." },
      ],
    }),
  );
  const env = modelEnv(suite.dir, double.url);
  const server = await suite.serve(["--config", join(project, "sandcaster.json")], env, project);
  const { stdout: body } = await promisify(execFile)(process.execPath, ["make-request.mjs"], {
    cwd: project,
  });
  const response = await fetch(`${server.url}/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(response.status).toBe(200);
  const runId = response.headers.get("x-run-id") ?? "";
  const events = (await readUntil(response, "result").all) as unknown as Record<string, unknown>[];
  expect(events.at(-1)).toMatchObject({
    type: "result",
    content: "report.md has the findings of both services.",
  });

  // Each audit ran in its own sandbox, and streamed from there.
  const execs = events.filter((e) => e.type === "tool_result" && e.toolName === "exec_in");
  // In parallel: they finish in either order.
  const bySandbox = execs
    .map((e) => [String(e.sandbox), e.isError, e.content] as const)
    .sort((x, y) => x[0].localeCompare(y[0]));
  expect(bySandbox).toEqual([
    ["api", false, expect.stringContaining("api: 2 findings")],
    ["web", false, expect.stringContaining("web: 2 findings")],
  ]);
  const streamedFrom = events.filter((e) => e.type === "tool_output").map((e) => e.sandbox);
  expect(new Set(streamedFrom)).toEqual(new Set(["api", "web"]));

  // The report the primary sandbox wrote from the findings the two sandboxes computed.
  const report = events.find((e) => e.type === "file" && e.path === "report.md");
  expect(report?.content).toBe(
    [
      "## api",
      "services/api/server.js:10: eval of caller input",
      "services/api/server.js:4: hard-coded secret",
      "",
      "## web",
      "services/web/app.js:2: plain http to a backend",
      "services/web/app.js:6: HTML injection (innerHTML)",
      "",
      "",
    ].join("\n"),
  );
  expect(await expectNoLocalLeftovers(runId)).toEqual([]);
});
