// Public surface of @sandcaster/core.

export * from "./agents/index.js";
export { startBranching } from "./branching/start-branching.js";
export { startQuery } from "./branching/start-query.js";
export { ConfigError, loadConfig } from "./config/load-config.js";
export * from "./egress/index.js";
export { PlanError } from "./errors/plan-error.js";
export { SandcasterError, type SandcasterErrorOptions } from "./errors/sandcaster-error.js";
export * from "./gateway/index.js";
export { isProcessAlive } from "./host/proc.js";
export { startPipeline } from "./pipelines/start-pipeline.js";
export {
  buildSandboxImage,
  createDockerProvider,
  type DockerProviderSettings,
  type DockerSandboxProvider,
  dockerClientOptions,
} from "./providers/docker/index.js";
export {
  createE2BProvider,
  type E2BProviderSettings,
  type E2BSandboxProvider,
} from "./providers/e2b/index.js";
export {
  BWRAP_HINT,
  type BwrapStatus,
  checkBwrap,
  createLocalProvider,
  inspectLocalHost,
  type LocalHostReport,
  type LocalProviderSettings,
} from "./providers/local/index.js";
export { ActiveRuns } from "./run/active-runs.js";
export { type CancelWatch, sharedCancelWatch } from "./run/cancel-watch.js";
export { type EventWriter, sharedEventWriter } from "./run/event-writer.js";
export { followRunEvents } from "./run/follow-run.js";
export { keepRunsAlive } from "./run/keep-runs-alive.js";
export { planRun, type RunPlan } from "./run/plan-run.js";
export { RunError } from "./run/run-error.js";
export { MAX_BUFFERED_BYTES } from "./run/run-event-channel.js";
export type { RunExec } from "./run/run-exec.js";
export type {
  MeteredUsage,
  OpenedRunExtension,
  RunExtension,
  RunExtensionContext,
  RunnerPatch,
} from "./run/run-extension.js";
export type { RunEvent, RunEvents, RunHandle } from "./run/run-handle.js";
export type { RunServices, StartRunServices } from "./run/run-services.js";
export { RunSlots, RunSlotsFullError } from "./run/run-slots.js";
export { runnerBundlePath } from "./run/runner-bundle.js";
export { type StartRunOptions, startRun } from "./run/start-run.js";
export { pooledProvider } from "./sandbox/pooled-provider.js";
export type * from "./sandbox/sandbox.js";
export { SandboxError } from "./sandbox/sandbox-error.js";
export {
  sandboxLimits,
  sandboxNetwork,
  unsafeNetworkNotice,
  warmPoolFor,
} from "./sandbox/sandbox-limits.js";
export {
  createProviderSelector,
  type ProviderMap,
  type ProviderSelector,
} from "./sandbox/select-provider.js";
export { WarmPool, type WarmPoolOptions, type WarmPoolStats } from "./sandbox/warm-pool.js";
export type { RunSession } from "./session/run-session.js";
export { SessionError, type SessionErrorCode } from "./session/session-error.js";
export {
  createSessionService,
  type SessionHost,
  type SessionService,
  type SessionServiceDeps,
  type SessionTurn,
} from "./session/session-service.js";
export { sweepSessionsPeriodically } from "./session/session-sweeper.js";
export {
  DEFAULT_TRANSCRIPT_LIMITS,
  NO_RESULT,
  type TranscriptLimits,
  turnFromEvents,
} from "./session/transcript.js";
export {
  DEFAULT_HISTORY_BYTES,
  type TrimmedHistory,
  trimHistory,
} from "./session/trim-history.js";
export { workspaceFiles } from "./session/workspace-files.js";
export * from "./store/index.js";
export * from "./templates/index.js";
export type {
  ModelCall,
  PhaseAttributes,
  RunPhaseName,
  RunTracer,
  RunTracing,
  ToolCall,
  TracedRun,
} from "./tracing/run-tracer.js";
export { startTracing, type Tracing } from "./tracing/start-tracing.js";
export { recordContentWanted, tracingWanted } from "./tracing/tracing-env.js";
export * from "./webhooks/index.js";
