// examples/docker-sandbox, run as its README says, with a scripted model: the agent looks at its
// container from inside (user, memory limit, network interfaces) and the report that comes back
// shows the example's settings in force; the container is gone when the command returns.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import Docker from "dockerode";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { editConfig, jsonEvents, modelEnv, readConfig, scaffold } from "./examples-project.js";
import { bridgeGateway } from "./helpers.js";
import { tempDir } from "./temp-dir.js";

const docker = hasService("docker");
if (!docker)
  console.log(
    "examples/docker-sandbox test skipped: no Docker daemon (SANDCASTER_REQUIRE_DOCKER=1 fails instead)",
  );
/** The image the suite builds (scripts/build-test-image.sh); the example names `sandcaster image build`'s. */
const IMAGE = process.env.SANDCASTER_TEST_IMAGE ?? "sandcaster-sandbox:test";

let dir: string;
let double: ModelDouble | undefined;
beforeEach(async () => {
  dir = await tempDir("example-docker");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(dir, { recursive: true, force: true });
});

const INSPECT = [
  'echo "uid $(id -u)"',
  'echo "memory $(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
  // Bash only: the image has no awk, cut or tr.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a template
  'ifs=""; n=0; while IFS=: read -r name _; do n=$((n+1)); if [ $n -gt 2 ]; then ifs="$ifs${name// /} "; fi; done < /proc/net/dev',
  'echo "interfaces $ifs"',
].join("; ");

it.skipIf(!docker)("runs in a container with the example's limits, and removes it", async () => {
  const project = await scaffold("docker-sandbox", dir);
  const settings = (await readConfig(project)).docker as { memoryMb: number; network: string };
  await editConfig(project, (config) => {
    (config.docker as { image: string }).image = IMAGE;
  });
  double = await startAnthropicDouble({
    host: await bridgeGateway(),
    turns: [
      { toolCalls: [{ name: "bash", input: { command: `{ ${INSPECT}; } > report.txt` } }] },
      { text: "The report is in report.txt." },
    ],
  });
  const prompt =
    "Report the user id, the memory limit and whether the network is reachable, in report.txt";
  const result = await runCli(
    ["query", prompt, "--out", "out", "--json"],
    modelEnv(dir, double.url),
    project,
  );
  expect(result.code, result.stderr).toBe(0);
  const events = jsonEvents(result.stdout);
  expect(events[0]).toMatchObject({ type: "system", sandboxProvider: "docker" });
  expect(events.at(-1)).toMatchObject({ type: "result" });

  const report = await readFile(join(project, "out", "report.txt"), "utf8");
  expect(report).toBe(
    [
      "uid 1000",
      `memory ${settings.memoryMb * 1024 * 1024}`,
      // network "none": loopback only.
      `interfaces lo `,
      "",
    ].join("\n"),
  );
  expect(settings.network).toBe("none");
  const runId = String(events[0]?.runId);
  expect(runId).toMatch(/^run_/);
  const left = await new Docker().listContainers({
    all: true,
    filters: { label: [`sandcaster.run-id=${runId}`] },
  });
  expect(left).toEqual([]);
});
