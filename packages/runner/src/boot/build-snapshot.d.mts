// Types of build-snapshot.mjs, for the server (packages/core/src/runner-snapshot).
export interface BuildRunnerSnapshotOptions {
  /** A built runner file (dist/runner.mjs). */
  runnerPath: string;
  /** Where the snapshot goes (written through a temp file and a rename). */
  blobPath: string;
  /** The Node binary the runs will use. Default: this process's. */
  nodePath?: string;
  /** Kills the builder and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Builds the snapshot; resolves to the runner build it holds. */
export function buildRunnerSnapshot(
  options: BuildRunnerSnapshotOptions,
): Promise<{ buildId: string }>;
