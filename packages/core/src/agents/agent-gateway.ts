// An agent's way to its model: when the run's model gateway is open, the agent process gets the
// provider's base URL and the run's capability token in its SDK's usual variables
// (ANTHROPIC_BASE_URL + ANTHROPIC_API_KEY=<token>, …), never the provider key. On local and docker
// the gateway is a Unix socket: a small relay started in the sandbox gives the agent a loopback URL.

import { posix } from "node:path";
import {
  PROVIDER_BASE_URL_VARS,
  PROVIDER_KEY_VARS,
  type RunnerGateway,
  SANDBOX_HOST_DIR,
} from "@sandcaster/protocol";
import type { OpenedRunExtension } from "../run/run-extension.js";
import type { Sandbox, SandboxProcess } from "../sandbox/sandbox.js";

/** Pipes each loopback connection to the socket (argv[1]); prints its port once listening. */
const RELAY_SOURCE = `
const net = require("node:net");
const server = net.createServer((client) => {
  const upstream = net.connect(process.argv[1]);
  const done = () => { client.destroy(); upstream.destroy(); };
  client.on("error", done).on("close", done);
  upstream.on("error", done).on("close", done);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

export interface AgentGateway {
  /** The agent process's model variables (base URL and token). */
  env: Record<string, string>;
  /** Redacted from the agent's output like its secrets. */
  secrets: string[];
  close(): void;
}

function gatewayOf(opened: readonly OpenedRunExtension[]): RunnerGateway | undefined {
  for (const extension of opened) {
    const gateway = extension.runner?.config?.gateway;
    if (gateway) return gateway as RunnerGateway;
  }
  return undefined;
}

async function startRelay(
  sandbox: Sandbox,
  socket: string,
  signal: AbortSignal,
): Promise<{ origin: string; process: SandboxProcess }> {
  const relay = await sandbox.spawn({
    command: [sandbox.nodePath, "-e", RELAY_SOURCE, socket],
    env: {},
    signal,
  });
  const decoder = new TextDecoder();
  // Read the one line it prints, without cancelling its stdout (that could end the process).
  const reader = relay.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  const port = Number.parseInt(text, 10);
  if (!Number.isInteger(port) || port <= 0) {
    void relay.kill();
    throw new Error("the model gateway relay did not start in the sandbox");
  }
  return { origin: `http://127.0.0.1:${port}`, process: relay };
}

export async function agentGateway(
  sandbox: Sandbox,
  opened: readonly OpenedRunExtension[],
  signal: AbortSignal,
): Promise<AgentGateway | undefined> {
  const gateway = gatewayOf(opened);
  if (!gateway) return undefined;
  let origin = gateway.url;
  let relay: SandboxProcess | undefined;
  if (gateway.socket) {
    const socket = posix.isAbsolute(gateway.socket)
      ? gateway.socket
      : posix.join(SANDBOX_HOST_DIR, gateway.socket);
    const started = await startRelay(sandbox, socket, signal);
    origin = started.origin;
    relay = started.process;
  }
  const [keyVar] = PROVIDER_KEY_VARS[gateway.provider];
  const baseUrl = `${origin}/${gateway.provider}`;
  return {
    env: {
      [PROVIDER_BASE_URL_VARS[gateway.provider]]: baseUrl,
      ...(keyVar ? { [keyVar]: gateway.token } : {}),
      SANDCASTER_GATEWAY_URL: baseUrl,
      SANDCASTER_GATEWAY_TOKEN: gateway.token,
    },
    secrets: [gateway.token],
    close: () => void relay?.kill(),
  };
}
