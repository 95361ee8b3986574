// The runner bundle a Docker sandbox runs is linked in from the server's own build, read-only (see
// core's installed-runner.ts): a scripted model makes the agent try to overwrite, append to,
// chmod, remove and replace it, and to plant a config or any file beside it, and the test asserts
// each failed, the server's bundle is byte for byte what it was, and the next run is fine.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { runnerBundlePath } from "@sandcaster/core";
import { SANDBOX_HOST_DIR } from "@sandcaster/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, shouldRunDocker } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const enabled = await shouldRunDocker();
const TEST_IMAGE = process.env.SANDCASTER_TEST_IMAGE ?? "sandcaster-sandbox:test";

const RUNNER = `${SANDBOX_HOST_DIR}/runner.mjs`;
const ATTACK = [
  `echo 'process.exit(0)' > ${RUNNER}; echo overwrite=$?`,
  `echo 'process.exit(0)' >> ${RUNNER}; echo append=$?`,
  `chmod 777 ${RUNNER}; echo chmod=$?`,
  `rm -f ${RUNNER}; echo rm=$?`,
  `mv ${RUNNER} /tmp/runner.mjs; echo mv=$?`,
  `echo '{}' > ${SANDBOX_HOST_DIR}/config.json; echo config=$?`,
  `touch ${SANDBOX_HOST_DIR}/planted.mjs; echo plant=$?`,
  `head -c 20 ${RUNNER} > /dev/null; echo read=$?`,
].join("; ");

const sha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** One run to its end: its events and its bash tool's output. */
async function run(server: TestServer, prompt: string) {
  const response = await postQuery(server.url, { prompt });
  const runId = response.headers.get("x-run-id") ?? "";
  const events = await readEvents(response);
  const result = events.find((e) => e.data.type === "tool_result")?.data;
  const output = result && "content" in result ? String(result.content) : "";
  return { runId, events, output };
}

describe.skipIf(!enabled)("the installed runner on docker", () => {
  it("the agent can neither change nor replace the runner, nor plant a file beside it; the next run is unaffected", async () => {
    const before = await sha256(runnerBundlePath());
    t = await startTestServer({
      sandbox: "docker",
      modelHost: await bridgeGateway(),
      config: { docker: { image: TEST_IMAGE } },
      turns: [
        { toolCalls: [{ name: "bash", input: { command: ATTACK } }] },
        { text: "done" },
        { toolCalls: [{ name: "bash", input: { command: "echo second=$((40 + 2))" } }] },
        { text: "done again" },
      ],
    });
    const first = await run(t, "attack the runner");
    for (const step of ["overwrite", "append", "chmod", "rm", "mv", "config", "plant"]) {
      expect(first.output).toMatch(new RegExp(`^${step}=1$`, "m"));
    }
    expect(first.output).toMatch(/Read-only file system/);
    // It was there to attack: the sandbox user can read it.
    expect(first.output).toMatch(/^read=0$/m);
    expect(first.events.at(-1)?.data).toMatchObject({ type: "result", subtype: "success" });
    expect(await sha256(runnerBundlePath())).toBe(before);

    const second = await run(t, "carry on");
    expect(second.output).toContain("second=42");
    expect(second.events.at(-1)?.data).toMatchObject({ type: "result", subtype: "success" });
    expect(await expectNoLeftovers(first.runId)).toEqual([]);
    expect(await expectNoLeftovers(second.runId)).toEqual([]);
  });
});
