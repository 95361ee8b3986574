// The Docker sandbox provider's public surface.
export { dockerClientOptions } from "./client.js";
export {
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_RUN_ID,
  LABEL_SESSION_ID,
  RUNNER_DIR,
  SANDBOX_USER,
  WORKSPACE_PATH,
} from "./constants.js";
export {
  createDockerProvider,
  type DockerProviderSettings,
  type DockerSandboxProvider,
} from "./docker-provider.js";
export { type BuildSandboxImageOptions, buildSandboxImage } from "./image-build.js";
export type { WorkspaceVolume } from "./workspace-volume.js";
