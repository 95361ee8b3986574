// The docker TemplateBuilder: reuses an image already tagged for the id, else builds it.
import type Dockerode from "dockerode";
import { buildDockerTemplate, dockerTemplateExists } from "./docker-template-build.js";
import { templateImage } from "./template-id.js";
import type { TemplateBuilder } from "./template-service.js";

export function dockerTemplateBuilder(
  docker: Dockerode,
  options: { network?: string } = {},
): TemplateBuilder {
  return {
    async exists(id) {
      return (await dockerTemplateExists(docker, id)) ? templateImage(id) : undefined;
    },
    build(id, spec, context) {
      return buildDockerTemplate({
        docker,
        id,
        spec,
        signal: context.signal,
        onLog: context.onLog,
        ...(options.network ? { network: options.network } : {}),
      });
    },
  };
}
