// The server image's commands, in an image built offline from the production Dockerfile's runtime
// stage (scripts/build-server-test-image.sh): the CLI and its SDK-backed commands start, doctor
// runs, tini is PID 1 and passes SIGTERM on so `docker stop` drains the server quickly.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const docker = new Docker();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
if (!dockerUp && process.env.SANDCASTER_REQUIRE_DOCKER === "1") {
  throw new Error("SANDCASTER_REQUIRE_DOCKER=1 but the Docker daemon is unreachable");
}
if (!dockerUp)
  console.log("skipped: the Docker daemon is unreachable; install docker.io and start it");

const SCRIPT = fileURLToPath(
  new URL("../../../scripts/build-server-test-image.sh", import.meta.url),
);
const TAG = `sandcaster-server:test-${process.pid}`;

async function inImage(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run("docker", [
      "run",
      "--rm",
      "--network",
      "none",
      TAG,
      ...args,
    ]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe.skipIf(!dockerUp)("the server image", () => {
  beforeAll(async () => {
    await run("bash", [SCRIPT, "--tag", TAG], { maxBuffer: 16 * 1024 * 1024 });
  }, 300_000);
  afterAll(async () => {
    await run("docker", ["image", "rm", "-f", TAG]).catch(() => undefined);
  });

  it("runs `sandcaster --help` and `sandcaster sessions --help`", async () => {
    const help = await inImage("sandcaster", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("serve");
    // The sessions commands import the SDK: the image must ship it.
    const sessions = await inImage("sandcaster", "sessions", "--help");
    expect(sessions.out).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find/);
    expect(sessions.code).toBe(0);
    expect(sessions.out).toContain("sessions");
    const runs = await inImage("sandcaster", "runs", "--help");
    expect(runs.code).toBe(0);
  });

  it("runs `sandcaster doctor` to its report (no crash in the image)", async () => {
    const doctor = await inImage("sandcaster", "doctor");
    expect(doctor.out).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module|at file:\/\//);
    expect(doctor.out).toMatch(/node/i);
    // Exit 0 or 1 (checks that fail in a container without Docker or bwrap), never a crash.
    expect([0, 1]).toContain(doctor.code);
  });

  it("runs tini as PID 1, and `docker stop` ends the server by its drain, not by SIGKILL", async () => {
    const pid1 = await inImage("cat", "/proc/1/cmdline");
    expect(pid1.out.split("\0")[0]).toBe("/usr/bin/tini");
    const { stdout } = await run("docker", ["run", "-d", "--network", "none", TAG]);
    const id = stdout.trim();
    try {
      for (let i = 0; i < 100; i++) {
        const { stdout: logs } = await run("docker", ["logs", id]);
        if (logs.includes("sandcaster listening")) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const started = Date.now();
      await run("docker", ["stop", "-t", "20", id]);
      const { stdout: state } = await run("docker", ["inspect", "-f", "{{.State.ExitCode}}", id]);
      expect(Number(state.trim())).toBe(0);
      expect(Date.now() - started).toBeLessThan(15_000);
      const { stdout: logs } = await run("docker", ["logs", id]);
      expect(logs).toContain("shut down");
    } finally {
      await run("docker", ["rm", "-f", id]).catch(() => undefined);
    }
  }, 60_000);
});
