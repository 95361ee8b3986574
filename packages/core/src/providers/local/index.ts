// The local sandbox provider: host dirs, isolated with bubblewrap when available.
export { type BwrapArgsInput, buildBwrapArgs, type HostLayout } from "./bwrap-args.js";
export { type BwrapStatus, checkBwrap } from "./bwrap-host.js";
export { inspectLocalHost, type LocalHostReport } from "./host-report.js";
export {
  BWRAP_HINT,
  createLocalProvider,
  type LocalProviderSettings,
  type LocalSandboxProvider,
} from "./local-provider.js";
export { type LocalLogger, LocalSandbox } from "./local-sandbox.js";
