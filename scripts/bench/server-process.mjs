// Starts scripts/bench/server.mjs as a child process and talks to it over IPC.
import { fork } from "node:child_process";
import { rm } from "node:fs/promises";
import { withTimeout } from "./lib.mjs";

const SERVER = new URL("./server.mjs", import.meta.url);

/**
 * options: {provider: "scripted" | "local" | "docker", modelUrl?, image?, env?}. `env` is added to
 * the child's environment (OTEL_* variables). The child is killed (SIGKILL, by its pid) if it does
 * not close within 30 s.
 */
export async function startBenchServer(options) {
  const child = fork(SERVER, [JSON.stringify(options)], {
    execArgv: [
      "--expose-gc",
      ...(process.env.SANDCASTER_BENCH_NODE_OPTIONS?.split(" ").filter(Boolean) ?? []),
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const replies = [];
  child.on("message", (message) => {
    const index = replies.findIndex((r) => r.type === message?.type);
    if (index >= 0) replies.splice(index, 1)[0].resolve(message);
  });
  /** Sends {type}, resolves with the child's reply of type `replyType`. */
  const ask = (type, replyType = type, timeoutMs = 30_000, fields = {}) =>
    withTimeout(
      new Promise((resolve) => {
        replies.push({ type: replyType, resolve });
        child.send({ type, ...fields });
      }),
      timeoutMs,
      `bench server ${type}`,
    );
  const ready = await withTimeout(
    new Promise((resolve, reject) => {
      replies.push({ type: "ready", resolve });
      child.once("exit", (code) => reject(new Error(`bench server exited (${code}) before ready`)));
    }),
    60_000,
    "bench server start",
  );
  let closing;
  return {
    url: ready.url,
    pid: child.pid,
    /** `timeoutMs`: longer for a server holding 10,000 streams on a loaded host. */
    /** `lite`: without the resident bytes by mapping (reading them makes ~1 MB of garbage). */
    stats: (timeoutMs, lite = false) => ask("stats", "stats", timeoutMs, { lite }),
    gc: (timeoutMs) => ask("gc", "gc", timeoutMs),
    /** Writes a V8 heap snapshot of the server to `path` (slow: minutes for a big heap). */
    snapshot: (path) => ask("snapshot", "snapshot", 600_000, { path }),
    release: () => child.send({ type: "release" }),
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          try {
            await ask("close", "closed").catch(() => undefined);
          } catch {
            // the channel is gone: the child is exiting on its own
          }
          await withTimeout(exited, 30_000, "bench server close").catch(() => {
            child.kill("SIGKILL");
            return exited;
          });
        }
        // A child killed (or one that died) before its own close leaves its store's dir behind.
        await rm(ready.dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
