// A V8 startup snapshot of the server's runner bundle (packages/runner/src/boot/snapshot-entry.mjs)
// for cold local runs: built in the background with the Node the sandboxes run, kept read-only in
// a server-owned dir, and handed to a run only while both it and that Node are what was built.
//
// Why the checks are here: Node 20 aborts (or segfaults) on a damaged blob and runs nothing from a
// foreign one, so a bad blob must never reach a run. Every use re-checks the blob's inode, size,
// mtime and ctime (any write changes ctime; a sandbox cannot write it at all: it is bound
// read-only) and the Node binary's; a change drops the blob (the run goes without it, slower, the
// same) and builds a new one. A blob of another runner build cannot run the wrong code either:
// the snapshot checks the run's runner.mjs build line and runs that file itself on a mismatch.
// Nothing of a run is in it: the builder's environment is empty and the config arrives later.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { chmod, mkdir, rm } from "node:fs/promises";
import { posix } from "node:path";

export interface RunnerSnapshotSettings {
  /** A server-owned dir (created 0755; the blob 0444 in it). */
  dir: string;
  /** Called once the dir exists (the local provider writes its owner file there). */
  onDir?: (dir: string) => Promise<void>;
  /** The runner bundle runs are staged with. */
  runnerPath: string;
  /** The Node binary runs use (the snapshot loads only into it). */
  nodePath: string;
  logger?: { info?(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface RunnerSnapshots {
  /** The blob's host path when a run may use it now; otherwise undefined and a build starts. */
  current(): string | undefined;
  /** Starts a build unless one is running or a good blob exists; never waits. */
  start(): void;
  /** The build in progress (resolves when it ends, also on failure). */
  settled(): Promise<void>;
  /**
   * The server is going: kills a build in progress, then removes the dir and its blob (no run of
   * this server uses it any more). No build starts after it.
   */
  close(): Promise<void>;
}

interface Fingerprint {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

const BLOB_PREFIX = "runner-";
/** A failed build is retried no sooner than this, so a broken Node does not rebuild every run. */
const RETRY_AFTER_MS = 60_000;

function fingerprintOf(path: string): Fingerprint | undefined {
  try {
    const s = statSync(path);
    return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
  } catch {
    return undefined;
  }
}

const same = (a: Fingerprint | undefined, b: Fingerprint | undefined) =>
  a !== undefined &&
  b !== undefined &&
  a.dev === b.dev &&
  a.ino === b.ino &&
  a.size === b.size &&
  a.mtimeMs === b.mtimeMs &&
  a.ctimeMs === b.ctimeMs;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function createRunnerSnapshots(settings: RunnerSnapshotSettings): RunnerSnapshots {
  const dir = posix.resolve(settings.dir);
  let ready: { path: string; blob: Fingerprint; node: Fingerprint } | undefined;
  let building: Promise<void> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  const closing = new AbortController();

  async function build(): Promise<void> {
    const node = fingerprintOf(settings.nodePath);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await settings.onDir?.(dir);
    // Unique per build: another server sharing the dir never replaces this server's blob.
    const path = posix.join(dir, `${BLOB_PREFIX}${randomBytes(8).toString("hex")}.blob`);
    const started = performance.now();
    // Loaded only when a snapshot is built: a server that never builds one does not need the
    // runner's build-time sources (the server image ships them, for the servers that do).
    const { buildRunnerSnapshot } = await import("@sandcaster/runner/snapshot");
    const { buildId } = await buildRunnerSnapshot({
      runnerPath: settings.runnerPath,
      blobPath: path,
      nodePath: settings.nodePath,
      signal: closing.signal,
    });
    await chmod(path, 0o444);
    const blob = fingerprintOf(path);
    // The Node that built it must still be the one runs start.
    if (!blob || !node || !same(node, fingerprintOf(settings.nodePath))) {
      await rm(path, { force: true });
      throw new Error("the node binary changed while the runner snapshot was built");
    }
    ready = { path, blob, node };
    settings.logger?.info?.(
      {
        buildId,
        bytes: blob.size,
        sha256: await sha256Of(path),
        ms: Math.round(performance.now() - started),
      },
      "runner snapshot ready",
    );
  }

  function start(): void {
    if (building || ready || closing.signal.aborted) return;
    if (performance.now() - failedAt < RETRY_AFTER_MS) return;
    building = build()
      .catch((error: unknown) => {
        failedAt = performance.now();
        if (closing.signal.aborted) return;
        settings.logger?.warn(
          { error: String(error) },
          "runner snapshot not built; runs go without",
        );
      })
      .finally(() => {
        building = undefined;
      });
  }

  return {
    current() {
      if (closing.signal.aborted) return undefined;
      if (ready) {
        if (
          same(ready.blob, fingerprintOf(ready.path)) &&
          same(ready.node, fingerprintOf(settings.nodePath))
        )
          return ready.path;
        // Left in place: a run that took it a moment ago may be binding it now. The next build
        // has a name of its own.
        settings.logger?.warn(
          { path: ready.path },
          "runner snapshot changed since its build: dropped",
        );
        ready = undefined;
      }
      start();
      return undefined;
    },
    start,
    settled: () => building ?? Promise.resolve(),
    async close() {
      closing.abort(new Error("the server is closing"));
      await building;
      ready = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
