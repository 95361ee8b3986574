// Attacks through the real path on Docker: a scripted model makes the agent fill the disk, fork
// without end, eat memory, write outside the workspace, and the test asserts each one was stopped
// by its limit, the run still ended cleanly, and nothing was left behind. Also: no key on any
// command line the host can see.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import type { SandcasterConfigInput } from "@sandcaster/protocol";
import Docker from "dockerode";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, shouldRunDocker } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const enabled = await shouldRunDocker();
const TEST_IMAGE = process.env.SANDCASTER_TEST_IMAGE ?? "sandcaster-sandbox:test";
const SERVER_KEY = "sk-ant-test-secret-key"; // the harness's ANTHROPIC_API_KEY

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Runs one hostile bash command through the runner; returns the events and the tool's output. */
async function attack(command: string, docker: SandcasterConfigInput["docker"] = {}) {
  t = await startTestServer({
    sandbox: "docker",
    modelHost: await bridgeGateway(),
    config: { docker: { image: TEST_IMAGE, ...docker } },
    turns: [{ toolCalls: [{ name: "bash", input: { command } }] }, { text: "done" }],
  });
  const response = await postQuery(t.url, { prompt: "attack" });
  const runId = response.headers.get("x-run-id") ?? "";
  const events = await readEvents(response);
  const result = events.find((e) => e.data.type === "tool_result")?.data;
  const output = result && "content" in result ? String(result.content) : "";
  return { runId, events, output };
}

/** What the SANDBOX_LIMIT_EXCEEDED warnings said, one per line. */
function limitWarnings(events: { data: { type: string; code?: string; content?: unknown } }[]) {
  return events
    .filter((e) => e.data.type === "warning" && e.data.code === "SANDBOX_LIMIT_EXCEEDED")
    .map((e) => String(e.data.content))
    .join("\n");
}

/** The run ended as a normal, finished run, and its sandbox is gone. */
async function expectCleanEnd(runId: string, events: { data: { type: string } }[]) {
  expect(events.at(-1)?.data).toMatchObject({ type: "result", subtype: "success" });
  expect(await expectNoLeftovers(runId)).toEqual([]);
}

describe.skipIf(!enabled)("hostile agent on docker", () => {
  it("writing past docker.diskMb fails with ENOSPC, the root is read-only, no capability is left, and the run ends cleanly", async () => {
    const { runId, events, output } = await attack(
      [
        "head -c 48000000 /dev/zero > big.bin; echo workspace=$?",
        "head -c 100000000 /dev/zero > /tmp/big.bin; echo tmp=$?",
        "for p in /etc/x /opt/x /home/sandcaster/x /var/tmp/x /x; do touch $p 2>&1; done",
        "rm -f big.bin /tmp/big.bin",
        // no capability to use, and no way to gain one through a setuid file
        "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status",
      ].join("; "),
      { diskMb: 32 },
    );
    expect(output).toContain("No space left on device");
    expect(output).toContain("workspace=1");
    // /tmp gets a quarter of diskMb, at least 64 MB
    expect(output).toContain("tmp=1");
    for (const path of ["/etc/x", "/opt/x", "/home/sandcaster/x", "/var/tmp/x", "/x"]) {
      expect(output).toMatch(new RegExp(`${path.replaceAll("/", "\\/")}.*Read-only file system`));
    }
    expect(output).toMatch(/CapEff:\s+0{16}/);
    expect(output).toMatch(/CapBnd:\s+0{16}/);
    expect(output).toMatch(/NoNewPrivs:\s+1/);
    await expectCleanEnd(runId, events);
  });

  it("a fork bomb stops at docker.pidsLimit (EAGAIN) and the run ends cleanly", async () => {
    // Bounded: forks until the kernel refuses (or 1000), then kills what it made.
    const bomb = `
      const { spawn } = require("node:child_process");
      const kids = []; let refused = "";
      const next = () => {
        if (kids.length >= 1000) return done();
        const kid = spawn("sleep", ["60"], { stdio: "ignore" });
        kid.on("error", (e) => { refused = e.code; done(); });
        kid.on("spawn", () => { kids.push(kid); next(); });
      };
      const done = () => { for (const k of kids) k.kill("SIGKILL"); console.log("forked=" + kids.length + " refused=" + refused); };
      next();`;
    const { runId, events, output } = await attack(`node -e '${bomb}'`, { pidsLimit: 64 });
    const match = /forked=(\d+) refused=(\w+)/.exec(output);
    expect(match?.[2]).toBe("EAGAIN");
    expect(Number(match?.[1])).toBeLessThan(64);
    expect(limitWarnings(events)).toContain("the sandbox hit its process limit (64)");
    await expectCleanEnd(runId, events);
  });

  it("a memory hog is killed at docker.memoryMb and the run ends cleanly", async () => {
    const hog = "const a = []; for (;;) a.push(Buffer.alloc(1 << 24, 1));";
    const { runId, events, output } = await attack(`node -e '${hog}'; echo exit=$?`, {
      memoryMb: 256,
      diskMb: 64,
    });
    // SIGKILL from the kernel's OOM killer, within the container's cgroup
    expect(output).toContain("exit=137");
    // Docker's OOMKilled covers only PID 1: the user hears it from the container's cgroup.
    expect(limitWarnings(events)).toContain("the sandbox hit its memory limit (256 MB)");
    await expectCleanEnd(runId, events);
  });

  it("no key is on any command line: host ps, the container's Cmd/Args/Env", async () => {
    const marker = `marker-${randomUUID()}`;
    const docker = new Docker();
    let seen: { ps: string; inspected: string[] } | undefined;
    let currentRun = "";
    // While the agent's command runs (it waits for the test to see it), look from the host.
    const watch = (async () => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const { stdout } = await promisify(execFile)("ps", ["-eo", "args"], {
          maxBuffer: 16 * 1024 * 1024,
        });
        if (stdout.includes(marker)) {
          const containers = await docker.listContainers({
            filters: { label: ["sandcaster.managed=true", `sandcaster.run-id=${currentRun}`] },
          });
          const inspected = await Promise.all(
            containers.map(async (c) => {
              const info = await docker.getContainer(c.Id).inspect();
              return JSON.stringify([info.Args, info.Path, info.Config.Cmd, info.Config.Env]);
            }),
          );
          seen = { ps: stdout, inspected };
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    t = await startTestServer({
      sandbox: "docker",
      modelHost: await bridgeGateway(),
      config: { docker: { image: TEST_IMAGE } },
      turns: [
        // Holds the run open until the host-side look is done (bounded by the sleep count).
        { toolCalls: [{ name: "bash", input: { command: `sleep 6; echo ${marker}` } }] },
        { text: "done" },
      ],
    });
    const response = await postQuery(t.url, { prompt: "wait" });
    currentRun = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    await watch;
    expect(seen?.ps).toContain(marker);
    expect(seen?.ps).not.toContain(SERVER_KEY);
    expect(seen?.inspected.length).toBe(1);
    expect(seen?.inspected.join("")).not.toContain(SERVER_KEY);
    await expectCleanEnd(currentRun, events);
  });
});
