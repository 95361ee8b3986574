// A real server with custom agents on docker for the SDK's tests: the test sandbox image plus this
// host's npm (what examples/echo-agent installs its dependency with), the server's own agent
// services (as `sandcaster serve` builds them), and cleanup that removes every image built.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createAgentServices } from "@sandcaster/core";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { buildNpmBaseImage } from "@sandcaster/testkit";
import { pino } from "pino";
import { startTestServer, type TestServer } from "./harness.js";

const run = promisify(execFile);
const TEST_IMAGE = "sandcaster-sandbox:test";
export const ECHO_AGENT = fileURLToPath(new URL("../../../examples/echo-agent", import.meta.url));

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
  const image = await buildNpmBaseImage(TEST_IMAGE);
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
            // No warm sandboxes: each invocation starts its own (fewer containers on a busy host).
            agentPool: { size: 0 },
          }),
          env: {
            SANDCASTER_DOCKER_IMAGE: image,
            SANDCASTER_SECRETS_KEY: randomBytes(32).toString("base64"),
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
