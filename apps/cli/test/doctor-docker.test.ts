// `sandcaster doctor` when runs go to Docker: says what the disk cap and the network do not hold.
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { tempDir } from "./temp-dir.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir("doctor-docker");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Never the machine's Docker: the lines below come from the config alone. */
const env = () => ({
  DOCKER_HOST: `unix://${join(dir, "dead.sock")}`,
  HOME: dir,
  SANDCASTER_DB: join(dir, "runs.db"),
});

async function doctorChecks(docker: object) {
  await writeFile(
    join(dir, "sandcaster.json"),
    JSON.stringify({ sandboxProvider: "docker", docker }),
  );
  const result = await runCli(["doctor", "--json"], env(), dir);
  return JSON.parse(result.stdout).checks as { id: string; status: string; message: string }[];
}

it("warns that a configured bridge exposes host services and that a disk cap above memory is no cap", async () => {
  const checks = await doctorChecks({ network: "bridge", memoryMb: 512, diskMb: 1024 });
  expect(checks).toContainEqual(
    expect.objectContaining({
      id: "docker-network",
      status: "warn",
      message: expect.stringContaining("can reach host services"),
    }),
  );
  expect(checks).toContainEqual(
    expect.objectContaining({
      id: "docker-disk",
      status: "warn",
      message: expect.stringMatching(/out-of-memory kill, not ENOSPC.*session workspaces/),
      hint: "lower docker.diskMb or raise docker.memoryMb",
    }),
  );
});

it('is content with network "none" and a cap below memory, but still names uncapped sessions', async () => {
  const checks = await doctorChecks({ network: "none", memoryMb: 2048, diskMb: 512 });
  expect(checks).toContainEqual(expect.objectContaining({ id: "docker-network", status: "ok" }));
  expect(checks).toContainEqual(
    expect.objectContaining({
      id: "docker-disk",
      status: "ok",
      message: expect.stringMatching(
        /^\/workspace ≤ 512 MB, \/tmp ≤ 128 MB .*session workspaces \(volumes\) have no size limit/,
      ),
    }),
  );
});

it.runIf(hasService("docker"))(
  "a missing sandbox image is ✗ with every way to get one: the build, the offline script, the local provider",
  async () => {
    await writeFile(join(dir, "sandcaster.json"), JSON.stringify({ sandboxProvider: "docker" }));
    // The machine's real daemon, asked for an image nobody built.
    const result = await runCli(
      ["doctor"],
      {
        HOME: dir,
        SANDCASTER_DB: join(dir, "runs.db"),
        SANDCASTER_DOCKER_IMAGE: "sandcaster-sandbox:never-built",
      },
      dir,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ image +sandcaster-sandbox:never-built is not built$/m);
    expect(result.stdout).toContain("sandcaster image build --tag sandcaster-sandbox:never-built");
    expect(result.stdout).toContain("bash scripts/build-test-image.sh");
    expect(result.stdout).toContain('"sandboxProvider": "local"');
  },
);
