// A real server with custom agents on docker for the SDK's tests: the test sandbox image plus this
// host's npm (what examples/echo-agent installs its dependency with), the server's own agent
// services (as `sandcaster serve` builds them), and cleanup that removes every image built.
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createAgentServices } from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { pino } from "pino";
import { startTestServer, type TestServer } from "./harness.js";

const run = promisify(execFile);
const TEST_IMAGE = "sandcaster-sandbox:test";
export const ECHO_AGENT = fileURLToPath(new URL("../../../examples/echo-agent", import.meta.url));

/** The test image with npm copied in (docker create/cp/commit: no registry, no network). */
async function buildNpmImage(): Promise<string> {
  const tag = `sandcaster-test-npm:${randomUUID().slice(0, 8)}`;
  const npmDir = join((await run("npm", ["root", "-g"])).stdout.trim(), "npm");
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-sdk-npm-"));
  const name = `sandcaster-sdk-npm-${randomUUID().slice(0, 8)}`;
  try {
    await symlink("/opt/npm/bin/npm-cli.js", join(dir, "npm"));
    await run("docker", ["create", "--name", name, TEST_IMAGE]);
    await run("docker", ["cp", npmDir, `${name}:/opt/npm`]);
    await run("docker", ["cp", join(dir, "npm"), `${name}:/usr/local/bin/npm`]);
    await run("docker", ["commit", name, tag]);
    return tag;
  } finally {
    await run("docker", ["rm", "-f", name]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** examples/echo-agent as a tar (its unpacked deps/ and any node_modules left out). */
export async function echoAgentArchive(): Promise<Uint8Array> {
  const { stdout } = await run(
    "tar",
    ["-C", ECHO_AGENT, "--exclude=./deps", "--exclude=./node_modules", "-cf", "-", "."],
    { encoding: "buffer", maxBuffer: 16 * 1024 * 1024 },
  );
  return new Uint8Array(stdout);
}

export interface AgentsServer {
  t: TestServer;
  close(): Promise<void>;
}

export async function startAgentsServer(): Promise<AgentsServer> {
  const image = await buildNpmImage();
  let services: ReturnType<typeof createAgentServices> | undefined;
  const removeImages = async () => {
    const ids = services?.appDeps.templates.list().map((info) => info.id) ?? [];
    for (const tag of [...ids.map((id) => `sandcaster-template:${id}`), image]) {
      await run("docker", ["rmi", "-f", tag]).catch(() => undefined);
    }
  };
  try {
    const t = await startTestServer({
      turns: [],
      appDeps: (store) => {
        const input = {
          config: SandcasterConfigSchema.parse({
            sandboxProvider: "docker",
            docker: { image: TEST_IMAGE },
          }),
          env: {
            SANDCASTER_DOCKER_IMAGE: image,
            SANDCASTER_SECRETS_KEY: randomBytes(32).toString("base64"),
            // No warm sandboxes: each invocation starts its own (fewer containers on a busy host).
            SANDCASTER_AGENT_POOL_SIZE: "0",
          },
          logger: pino({ level: "silent" }),
          store,
        };
        services = createAgentServices(input);
        return services.appDeps;
      },
    });
    return {
      t,
      async close() {
        await t.close();
        await services?.close();
        await removeImages();
      },
    };
  } catch (error) {
    await services?.close();
    await removeImages();
    throw error;
  }
}
