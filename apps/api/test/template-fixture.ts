// Templates for a test server on docker: a template service building with no network, and cleanup
// that removes every image it built (agents add theirs in agent-fixture.ts).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dockerTemplateBuilder, TEMPLATE_LABEL, TemplateService } from "@sandcaster/core";
import Docker from "dockerode";
import { pino } from "pino";
import type { AppDeps } from "../src/app.js";

const run = promisify(execFile);
export const docker = new Docker();

/**
 * The test sandbox image plus this host's npm (the test image has node only): what an agent with
 * npm dependencies is installed on. Built with `docker create/cp/commit`, no registry.
 */
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

export interface TemplateFixture {
  templates: TemplateService;
  appDeps: NonNullable<Pick<AppDeps, "templates">>;
  close(): Promise<void>;
}

/** (The options are those of callers written when agents lived here; agent-fixture.ts has them now.) */
export function templateFixture(_options?: { agentBase: string }): TemplateFixture {
  const logger = pino({ level: "silent" });
  const templates = new TemplateService(dockerTemplateBuilder(docker, { network: "none" }), logger);
  return {
    templates,
    appDeps: { templates },
    async close() {
      await templates.close();
      await removeTemplateImages(templates.list().map((info) => info.id));
    },
  };
}

/** Removes the images of these template ids (and fails the test if a build container is left). */
export async function removeTemplateImages(ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await docker
      .getImage(`sandcaster-template:${id}`)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

/** Build containers still present (a build must always remove its own). */
export async function buildContainersLeft(): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [TEMPLATE_LABEL] },
  });
  return containers.map((container) => container.Id);
}
