// A docker image for tests whose agents install npm dependencies: `base` (the offline test image has
// node only) plus this host's npm, made with `docker create/cp/commit` — no registry, no network.
// The caller removes the returned tag (`docker rmi`).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function buildNpmBaseImage(base: string): Promise<string> {
  const tag = `sandcaster-test-npm:${randomUUID().slice(0, 8)}`;
  const npmDir = join((await run("npm", ["root", "-g"])).stdout.trim(), "npm");
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-npm-image-"));
  const name = `sandcaster-npm-build-${randomUUID().slice(0, 8)}`;
  try {
    await symlink("/opt/npm/bin/npm-cli.js", join(dir, "npm"));
    await run("docker", ["create", "--name", name, base]);
    await run("docker", ["cp", npmDir, `${name}:/opt/npm`]);
    await run("docker", ["cp", join(dir, "npm"), `${name}:/usr/local/bin/npm`]);
    await run("docker", ["commit", name, tag]);
    return tag;
  } finally {
    await run("docker", ["rm", "-f", name]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
