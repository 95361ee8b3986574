// The docker TemplateBuilder: reuses an image already tagged for the id, else builds it; runs are
// ordinary docker sandboxes of the template's image.
import type { TemplateSpec } from "@sandcaster/protocol";
import type Dockerode from "dockerode";
import {
  createDockerProvider,
  type DockerProviderSettings,
} from "../providers/docker/docker-provider.js";
import { buildDockerTemplate, dockerTemplateExists } from "./docker-template-build.js";
import { templateImage } from "./template-id.js";
import type { TemplateBuilder } from "./template-service.js";

export interface DockerTemplateBuilderOptions {
  /** Network of the build container (package installs need one); default "bridge". */
  network?: string;
  /** Settings of the providers runs from a template use (the server's docker settings). */
  provider?: Omit<DockerProviderSettings, "image" | "docker">;
}

export function dockerTemplateBuilder(
  docker: Dockerode,
  options: DockerTemplateBuilderOptions = {},
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
    provider(image: string, _spec: TemplateSpec) {
      return createDockerProvider({ ...options.provider, docker, image });
    },
    async remove(id) {
      // Not forced: docker refuses while a container (a run still going) uses the image, and the
      // image then stays rather than lingering untagged under that container.
      return docker
        .getImage(templateImage(id))
        .remove()
        .then(
          () => true,
          (error: { statusCode?: number }) => error.statusCode === 404,
        );
    },
  };
}
