// A PostgreSQL cluster of its own for the fault suite and the soak (Debian's pg_createcluster, as
// root): restarting it disturbs no other user. Created on `port` in a temp data dir; drop() removes it.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const sh = (command, args) =>
  execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd: "/" });

/** Why no cluster can be made here; undefined when one can. */
export function clusterUnavailable() {
  if (process.getuid?.() !== 0) return "creating a PostgreSQL cluster needs root";
  if (!existsSync("/usr/bin/pg_createcluster"))
    return "pg_createcluster is missing (apt-get install postgresql)";
  return undefined;
}

function isReady(port) {
  try {
    sh("pg_isready", ["-q", "-h", "127.0.0.1", "-p", String(port)]);
    return true;
  } catch {
    return false;
  }
}

async function waitReady(port) {
  for (let i = 0; i < 120 && !isReady(port); i++) await new Promise((r) => setTimeout(r, 250));
  if (!isReady(port)) throw new Error(`PostgreSQL on port ${port} did not come up`);
}

/** {url, restart(mode), stop(), start(), psql(sql), drop()} */
export async function createPgCluster(name, port) {
  const version = readdirSync("/usr/lib/postgresql")
    .sort((a, b) => Number(a) - Number(b))
    .at(-1);
  // A leftover of an interrupted run goes first.
  if (
    sh("pg_lsclusters", ["--no-header"])
      .split("\n")
      .some((l) => l.split(/\s+/)[1] === name)
  ) {
    sh("pg_dropcluster", ["--stop", version, name]);
  }
  const dataDir = mkdtempSync(join(tmpdir(), `sandcaster-${name}-`));
  sh("chown", ["postgres:postgres", dataDir]);
  sh("pg_createcluster", [version, name, "-p", String(port), "-d", join(dataDir, "data")]);
  sh("pg_ctlcluster", [version, name, "start"]);
  await waitReady(port);
  const psql = (sql) =>
    sh("runuser", ["-u", "postgres", "--", "psql", "-p", String(port), "-tAc", sql]);
  psql("create role sandcaster login password 'sandcaster' createdb");
  psql("create database sandcaster_faults owner sandcaster");
  return {
    url: `postgres://sandcaster:sandcaster@127.0.0.1:${port}/sandcaster_faults`,
    /** Resolves once the server is back; the caller's event loop keeps running meanwhile. */
    async restart(mode) {
      await promisify(execFile)("pg_ctlcluster", [version, name, "restart", "-m", mode], {
        cwd: "/",
      });
      await waitReady(port);
    },
    stop() {
      sh("pg_ctlcluster", [version, name, "stop", "-m", "fast"]);
    },
    async start() {
      sh("pg_ctlcluster", [version, name, "start"]);
      await waitReady(port);
    },
    /** One value from a query as the postgres superuser. */
    psql(sql) {
      return psql(sql).trim();
    },
    drop() {
      try {
        sh("pg_dropcluster", ["--stop", version, name]);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
