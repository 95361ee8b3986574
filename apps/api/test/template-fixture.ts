// Templates for a test server on docker: a template service building with no network, and cleanup
// that removes every image it built (agents add theirs in agent-fixture.ts).
import { dockerTemplateBuilder, TEMPLATE_LABEL, TemplateService } from "@sandcaster/core";
import Docker from "dockerode";
import { pino } from "pino";
import type { AppDeps } from "../src/app.js";

export const docker = new Docker();

export { buildNpmBaseImage } from "@sandcaster/testkit";

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
