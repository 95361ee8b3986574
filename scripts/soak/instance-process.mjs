// Starts scripts/soak/instance.mjs as a child process and talks to it over IPC.
import { fork } from "node:child_process";

const INSTANCE = new URL("./instance.mjs", import.meta.url);

function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once the instance listens: {url, pid, child, exited, crashed(), stats(), close(), kill()}.
 * `crashed()` is true when it exited without being asked to (close/kill/SIGTERM from here).
 */
export async function startInstance(options) {
  const child = fork(INSTANCE, [JSON.stringify(options)], {
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let expected = false;
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const waiting = [];
  child.on("message", (message) => {
    const index = waiting.findIndex((w) => w.type === message?.type);
    if (index >= 0) waiting.splice(index, 1)[0].resolve(message);
  });
  const reply = (type) => new Promise((resolve) => waiting.push({ type, resolve }));
  const ready = await within(
    Promise.race([
      reply("ready"),
      exited.then(({ code }) => {
        throw new Error(`instance exited (${code}) before it was ready:\n${stderr}`);
      }),
    ]),
    60_000,
    "instance start",
  );
  return {
    url: ready.url,
    pid: ready.pid,
    child,
    exited,
    stderr: () => stderr,
    crashed: () => !expected && (child.exitCode !== null || child.signalCode !== null),
    async stats() {
      const answer = reply("stats");
      child.send({ type: "stats" });
      return within(answer, 10_000, "instance stats");
    },
    /** kill -9: no drain, no last writes. */
    async kill() {
      expected = true;
      child.kill("SIGKILL");
      await exited;
    },
    /** SIGTERM: drain, cancel what is left, close the store. */
    async terminate() {
      expected = true;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await within(exited, 40_000, "instance SIGTERM").catch(() => {
        child.kill("SIGKILL");
        return exited;
      });
    },
    async close() {
      expected = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: "close" });
      await within(exited, 40_000, "instance close").catch(() => {
        child.kill("SIGKILL");
        return exited;
      });
    },
  };
}
