// One probe per service, each the same check the tests' own use of the service depends on.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { hiddenByEnv, type Service } from "./catalog.js";

const PROBE_TIMEOUT_MS = 3_000;
/** A host's mounts can change while bwrap binds them (see bwrapMissing). */
const BWRAP_PROBE_ATTEMPTS = 3;
export const CHROMIUM_PATH = "/usr/bin/chromium";

let bwrapVerdict: string | null | undefined;

/**
 * Why bubblewrap cannot give a command its own mount namespace here (null: it can). Synchronous
 * and checked once, so the E2B double can ask it before every command.
 */
export function bwrapMissing(): string | null {
  if (hiddenByEnv("bwrap")) return "hidden by SANDCASTER_TEST_HIDE";
  bwrapVerdict ??= (() => {
    // A failure is tried again: binding / remounts every mount of the host, and one that another
    // test (a container) adds or removes meanwhile fails that attempt ("Unable to apply mount
    // flags: remount …"). The verdict is kept for the process: one such race must not skip or
    // fail every later test as if bwrap could not run here.
    let failure = "";
    for (let attempt = 0; attempt < BWRAP_PROBE_ATTEMPTS; attempt++) {
      const probe = spawnSync("bwrap", ["--dev-bind", "/", "/", "true"], {
        stdio: ["ignore", "ignore", "pipe"],
        timeout: PROBE_TIMEOUT_MS,
      });
      if (probe.error)
        return `bwrap is not runnable (${(probe.error as NodeJS.ErrnoException).code})`;
      if (probe.status === 0) return null;
      failure = probe.stderr.toString().trim();
    }
    return `bwrap fails here: ${failure}`;
  })();
  return bwrapVerdict;
}

/** GET /_ping on the daemon dockerode would use (DOCKER_HOST, else /var/run/docker.sock). */
function dockerMissing(): Promise<string | null> {
  const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  const target = host.startsWith("unix://")
    ? { socketPath: host.slice("unix://".length) }
    : (() => {
        const url = new URL(host.replace(/^tcp:/, "http:"));
        return { host: url.hostname, port: Number(url.port || 2375) };
      })();
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? null : `the daemon at ${host} answered ${res.statusCode}`);
    });
    req.on("timeout", () => req.destroy(new Error("no answer")));
    req.on("error", (error) => resolve(`no Docker daemon at ${host} (${error.message})`));
    req.end();
  });
}

/** SANDCASTER_TEST_DATABASE_URL set and its host accepting connections. */
function postgresMissing(): Promise<string | null> {
  const raw = process.env.SANDCASTER_TEST_DATABASE_URL;
  if (!raw) return Promise.resolve("SANDCASTER_TEST_DATABASE_URL is not set");
  const url = new URL(raw);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 5432) });
    const done = (why: string | null) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`no answer from ${url.host}`));
    socket.on("connect", () => done(null));
    socket.on("error", (error) => done(`cannot reach ${url.host} (${error.message})`));
  });
}

function runnable(command: string, args: string[]): string | null {
  const probe = spawnSync(command, args, { stdio: "ignore", timeout: PROBE_TIMEOUT_MS });
  if (probe.error)
    return `${command} is not runnable (${(probe.error as NodeJS.ErrnoException).code})`;
  return probe.status === 0 ? null : `${command} exited ${probe.status}`;
}

/** Why the service cannot be used here, or null when it can. */
export async function serviceMissing(service: Service): Promise<string | null> {
  if (hiddenByEnv(service)) return "hidden by SANDCASTER_TEST_HIDE";
  switch (service) {
    case "bwrap":
      return bwrapMissing();
    case "docker":
      return dockerMissing();
    case "postgres":
      return postgresMissing();
    case "chromium":
      // Debian's browser, never a downloaded one (playwright-core is given this path).
      return existsSync(CHROMIUM_PATH)
        ? runnable(CHROMIUM_PATH, ["--version"])
        : `${CHROMIUM_PATH} is missing`;
    case "tmux":
      return runnable("tmux", ["-V"]);
  }
}
