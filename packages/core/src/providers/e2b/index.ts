// The E2B sandbox provider's public surface.
export {
  META_MANAGED,
  META_RUN_ID,
  META_SESSION_ID,
  RUNNER_DIR,
  WORKSPACE_PATH,
} from "./constants.js";
export {
  createE2BProvider,
  type E2BProviderSettings,
  type E2BSandboxProvider,
} from "./e2b-provider.js";
export type { E2BErrorCode } from "./errors.js";
