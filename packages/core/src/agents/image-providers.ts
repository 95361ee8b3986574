// One docker sandbox provider per template image, made on first use and kept (construction does
// no I/O), with the server's docker settings: agents' sandboxes are ordinary docker sandboxes.
import {
  createDockerProvider,
  type DockerProviderSettings,
} from "../providers/docker/docker-provider.js";
import type { SandboxProvider } from "../sandbox/sandbox.js";

export function dockerImageProviders(
  settings: Omit<DockerProviderSettings, "image">,
): (image: string) => SandboxProvider {
  const providers = new Map<string, SandboxProvider>();
  return (image) => {
    let provider = providers.get(image);
    if (!provider) {
      provider = createDockerProvider({ ...settings, image });
      providers.set(image, provider);
    }
    return provider;
  };
}
