// `sandcaster serve` as a real process with custom agents on docker, for the agents command's
// tests: its sandbox image is the test image plus this host's npm (examples/echo-agent installs a
// dependency at deploy), built with docker create/cp/commit (no registry). close() stops the
// server and removes every image it and its agents' builds made.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildNpmBaseImage } from "@sandcaster/testkit";
import { type ServerProcess, startServe } from "./cli-process.js";

const run = promisify(execFile);
const TEST_IMAGE = "sandcaster-sandbox:test";

export interface AgentsServe {
  server: ServerProcess;
  close(): Promise<void>;
}

/** Starts the server in `dir` (its store and config live there). */
export async function startAgentsServe(dir: string): Promise<AgentsServe> {
  const image = await buildNpmBaseImage(TEST_IMAGE);
  const removeImages = async (ids: string[]) => {
    for (const tag of [...ids.map((id) => `sandcaster-template:${id}`), image])
      await run("docker", ["rmi", "-f", tag]).catch(() => undefined);
  };
  const config = join(dir, "sandcaster.json");
  await writeFile(
    config,
    JSON.stringify({ sandboxProvider: "docker", docker: { image: TEST_IMAGE } }),
  );
  const env = {
    SANDCASTER_DB: join(dir, "runs.db"),
    SANDCASTER_DOCKER_IMAGE: image,
    SANDCASTER_SECRETS_KEY: randomBytes(32).toString("base64"),
    // Each invocation starts its own sandbox: fewer containers on a shared host.
    SANDCASTER_AGENT_POOL_SIZE: "0",
    SANDCASTER_LOG_LEVEL: "info",
  };
  let server: ServerProcess;
  try {
    server = await startServe(["--config", config, "--grace", "5"], env, dir);
  } catch (error) {
    await removeImages([]);
    throw error;
  }
  return {
    server,
    async close() {
      const listed = await fetch(`${server.url}/templates`)
        .then((r) => r.json() as Promise<{ templates: { id: string }[] }>)
        .catch(() => ({ templates: [] }));
      server.child.kill("SIGTERM");
      await server.exited;
      await removeImages(listed.templates.map((t) => t.id));
    },
  };
}
