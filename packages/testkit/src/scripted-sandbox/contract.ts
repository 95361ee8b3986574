// The sandbox provider contract of @sandcaster/core, restated member for member. Structural typing
// makes a ScriptedSandboxProvider a core `SandboxProvider`. It is not imported: core
// devDepends on this package, so testkit builds before core and cannot see core's types (and
// depending on core would be a cycle). apps/api/test/load.test.ts assigns one to core's type, so a
// drift between the two fails to compile there.
import type { SandboxProviderName } from "@sandcaster/protocol";

export type SandboxState = "creating" | "ready" | "running" | "stopped" | "failed";

export interface SandboxLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
  timeoutMs: number;
  network: "bridge" | "none" | "host";
}

export interface CreateSandboxOptions {
  runId: string;
  env: Record<string, string>;
  limits: SandboxLimits;
  signal: AbortSignal;
}

export interface StagedFile {
  path: string;
  content: Uint8Array;
  mode?: number;
}

export interface SpawnOptions {
  command: string[];
  env: Record<string, string>;
  cwd?: string;
  signal: AbortSignal;
}

export interface ExitStatus {
  exitCode: number | null;
  signal?: string | undefined;
}

export interface SandboxProcess {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  wait(): Promise<ExitStatus>;
  kill(): Promise<void>;
}

export interface ChangedFilesLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
}

export interface ChangedFiles {
  files: { path: string; content: Uint8Array }[];
  skipped: {
    path: string;
    size: number;
    reason: "file_too_large" | "total_too_large" | "too_many_files";
  }[];
}

export interface Sandbox {
  readonly id: string;
  readonly provider: SandboxProviderName;
  readonly state: SandboxState;
  readonly workspacePath: string;
  readonly runnerDir: string;
  readonly nodePath: string;
  readonly notices: readonly string[];
  writeFiles(files: readonly StagedFile[], signal: AbortSignal): Promise<void>;
  spawn(options: SpawnOptions): Promise<SandboxProcess>;
  readChangedFiles(limits: ChangedFilesLimits, signal: AbortSignal): Promise<ChangedFiles>;
  destroy(): Promise<void>;
}

export interface SandboxProvider {
  readonly name: SandboxProviderName;
  isAvailable(signal?: AbortSignal): Promise<boolean>;
  create(options: CreateSandboxOptions): Promise<Sandbox>;
  sweepOrphans?(signal?: AbortSignal): Promise<number>;
}
