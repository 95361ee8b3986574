// A pre-booted runner's rehearsal while it waits for its run. Whatever the way to a run's first
// model request does for the first time in a process (check a start line, load and build each
// SDK's client and streamed request, Node's fetch and its HTTP parser, the gateway relay's pipe
// to a Unix socket) is done once here, so the run finds it loaded and compiled. Nothing of any run
// exists yet and nothing leaves the sandbox: the calls go to a throwaway server in this process,
// on an abstract Unix socket of the sandbox's own network namespace, which refuses them all.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { ModelProvider, RunnerConfig } from "@sandcaster/protocol";
import { startGatewayRelay } from "./gateway-relay.js";
import { createConversation } from "./models/create-conversation.js";
import { buildSystemPrompt } from "./system-prompt.js";
import { selectTools } from "./tools/index.js";

/** Every SDK the runner has (openrouter speaks through the openai one). */
const REHEARSED: readonly ModelProvider[] = ["anthropic", "openai", "google"];

/** A client error every SDK reads as final (no retry) and maps to a model error. */
const REFUSAL = JSON.stringify({
  type: "error",
  error: {
    type: "invalid_request_error",
    code: 400,
    message: "rehearsal",
    status: "INVALID_ARGUMENT",
  },
});

function refusingServer(): Server {
  return createServer((request, response) => {
    request.resume();
    request.once("end", () => {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(REFUSAL);
    });
  });
}

/**
 * Rehearses the first model request of a run of each provider. `checkStart` is the runner's own
 * start-line check (its schema compiles on first use). Stops early when `signal` aborts (the
 * run's config arrived: the run does the rest itself).
 */
export async function rehearseFirstRequest(
  checkStart: (line: string) => { config: RunnerConfig },
  signal: AbortSignal,
): Promise<void> {
  const socket = `\0sandcaster-rehearsal-${randomUUID()}`;
  const server = refusingServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, resolve);
  });
  const relay = await startGatewayRelay(socket).catch((error: unknown) => {
    server.close();
    throw error;
  });
  try {
    for (const provider of REHEARSED) {
      if (signal.aborted) return;
      const token = `rehearsal-${randomUUID()}`;
      const { config } = checkStart(
        JSON.stringify({
          config: { prompt: "rehearsal", cwd: "/", provider, gateway: { socket, token, provider } },
          env: {},
        }),
      );
      const tools = selectTools(config.allowedTools);
      const conversation = await createConversation(
        { provider, model: config.model },
        {
          system: buildSystemPrompt({ cwd: config.cwd, toolNames: tools.map((t) => t.name) }),
          tools: tools.map(({ name, description, inputSchema }) => ({
            name,
            description,
            inputSchema,
          })),
          thinkingLevel: config.thinkingLevel,
          maxOutputTokens: config.limits.maxOutputTokens,
        },
        {},
        { provider, baseURL: `${relay.origin}/${provider}`, token, customBaseUrl: false },
      );
      try {
        for await (const _part of conversation.stream(
          { kind: "user", text: "rehearsal" },
          signal,
        )) {
          // refused before any part
        }
      } catch {
        // the refusal, as expected
      }
    }
  } finally {
    relay.close();
    server.closeAllConnections();
    server.close();
  }
}
