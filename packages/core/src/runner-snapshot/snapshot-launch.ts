// A cold runner's command with the server's runner snapshot (runner-snapshot.ts): Node's
// --snapshot-blob before runner.mjs, and where the sandbox sees the blob.

/** Where a bwrap sandbox sees the blob: bound there read-only, one file. */
export const SANDBOX_RUNNER_SNAPSHOT = "/opt/sandcaster-runner.blob";

/**
 * `command` with the snapshot when it is a cold runner's (`<node> <runner.mjs> … --config …`, as
 * stage-runner.ts starts it); undefined for anything else (a pre-booted runner, a tool, a scanner).
 */
export function withRunnerSnapshot(
  command: readonly string[],
  runner: { nodePath: string; runnerPath: string },
  blobPath: string,
): string[] | undefined {
  const [node, file, ...args] = command;
  if (node !== runner.nodePath || file !== runner.runnerPath || !args.includes("--config"))
    return undefined;
  return [node, "--snapshot-blob", blobPath, file, ...args];
}
