// Builds a V8 startup snapshot of a built runner file (snapshot-entry.mjs) with a given Node: a
// snapshot loads only into the Node binary that made it. The builder process gets an empty
// environment and no arguments but its entry, so nothing of the caller (keys, config, tokens) can
// reach the heap it saves.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runnerHeader } from "./runner-parts.mjs";
import { snapshotEntry } from "./snapshot-entry.mjs";

const BUILD_TIMEOUT_MS = 120_000;

/**
 * Writes the snapshot of `runnerPath` to `blobPath` (through a temp file and a rename, so a reader
 * never sees half a blob). `nodePath`: the Node the runs will use. Resolves to the runner's build
 * id, which the snapshot holds (a run of another build's runner file runs that file itself).
 * `signal` kills the builder process and rejects with its reason (a server shutting down).
 */
export async function buildRunnerSnapshot({
  runnerPath,
  blobPath,
  nodePath = process.execPath,
  signal,
}) {
  signal?.throwIfAborted();
  const file = await readFile(runnerPath);
  const { buildId } = runnerHeader(file);
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-snapshot-"));
  try {
    const entry = join(dir, "entry.cjs");
    await writeFile(entry, snapshotEntry(runnerPath, file));
    const temp = join(dir, "runner.blob");
    await run(nodePath, ["--snapshot-blob", temp, "--build-snapshot", entry], dir, signal);
    signal?.throwIfAborted();
    await rename(temp, blobPath).catch(async () => {
      // Another filesystem: copy next to the target, then rename there.
      await writeFile(`${blobPath}.tmp`, await readFile(temp));
      await rename(`${blobPath}.tmp`, blobPath);
    });
    return { buildId };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command, args, cwd, signal) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: {}, stdio: ["ignore", "ignore", "pipe"] });
    const onAbort = () => child.kill("SIGKILL");
    signal?.addEventListener("abort", onAbort, { once: true });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), BUILD_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    child.once("error", (error) => {
      done();
      reject(error);
    });
    child.once("close", (code, killedBy) => {
      done();
      if (signal?.aborted) reject(signal.reason);
      else if (code === 0) resolve();
      else reject(new Error(`snapshot build failed (${killedBy ?? `exit ${code}`}): ${stderr}`));
    });
  });
}
