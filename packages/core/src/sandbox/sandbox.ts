// The sandbox provider contract lives in @sandcaster/protocol (types only), so test doubles can
// implement it without depending on core; re-exported here for core's own modules.
export type {
  ChangedFile,
  ChangedFiles,
  ChangedFilesLimits,
  CreateSandboxOptions,
  ExitStatus,
  Sandbox,
  SandboxLimits,
  SandboxProcess,
  SandboxProvider,
  SandboxState,
  SessionWorkspace,
  SkippedFile,
  SpawnOptions,
  StagedFile,
} from "@sandcaster/protocol";
