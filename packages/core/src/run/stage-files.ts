// What goes into a fresh sandbox before the runner starts: the bundle, its config, the request's files.
import { posix } from "node:path";
import type { RequestFile, RunnerConfigInput } from "@sandcaster/protocol";
import type { Sandbox, StagedFile } from "../sandbox/sandbox.js";

export interface StagePaths {
  runner: string;
  config: string;
}

/** Where staging puts the runner and its config (the bundle stays where a provider installed it). */
export function runnerPaths(sandbox: Sandbox): StagePaths {
  return {
    runner: sandbox.installedRunner?.path ?? posix.join(sandbox.runnerDir, "runner.mjs"),
    config: posix.join(sandbox.runnerDir, "config.json"),
  };
}

export function stagedFiles(
  sandbox: Sandbox,
  bundle: Uint8Array,
  config: RunnerConfigInput,
  files: readonly RequestFile[],
): StagedFile[] {
  const paths = runnerPaths(sandbox);
  return [
    { path: paths.runner, content: bundle, mode: 0o644 },
    { path: paths.config, content: new TextEncoder().encode(JSON.stringify(config)), mode: 0o644 },
    ...requestFiles(sandbox, files),
  ];
}

/** The request's files in the workspace (all a pre-booted runner's sandbox still needs). */
export function requestFiles(sandbox: Sandbox, files: readonly RequestFile[]): StagedFile[] {
  return [
    ...files.map((file) => ({
      path: posix.join(sandbox.workspacePath, file.path),
      content:
        file.encoding === "base64"
          ? new Uint8Array(Buffer.from(file.content, "base64"))
          : new TextEncoder().encode(file.content),
      mode: 0o644,
    })),
  ];
}
