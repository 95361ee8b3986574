// Entry point of the in-sandbox runner: config in, protocol events out on stdout, exit code for the host.

import {
  addUsage,
  ERROR_CODES,
  type ModelProvider,
  type RunnerConfig,
  roundUsd,
  type SandcasterEvent,
} from "@sandcaster/protocol";
import { runAgent } from "./agent-loop.js";
// First: it must be in place before any other module compiles WebAssembly (see the file).
import { liftoffOnlyBeforeWasm } from "./boot/liftoff-before-wasm.js";
import { bootConfig } from "./boot.js";
import { mark, reportBootTimings } from "./boot-timings.js";
import { branchingTools } from "./branching/branch-tools.js";
import { compositeTools } from "./composite/composite-tools.js";
import { HostChannel } from "./composite/host-channel.js";
import { createLineEmitter, type Emit } from "./emit.js";
import { RunnerError } from "./errors.js";
import { startGatewayRelay } from "./gateway-relay.js";
import { createConversation, type GatewayConnection } from "./models/create-conversation.js";
import { parseStructuredOutput } from "./structured-output.js";
import { agentAddons } from "./subagents/agent-addons.js";
import { buildSystemPrompt } from "./system-prompt.js";
import { selectTools, type ToolContext } from "./tools/index.js";

/** stdout carries protocol lines only, so stray console output from any library goes to stderr. */
function keepStdoutForEvents(): void {
  const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(" ")}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
}

function errorEvent(error: unknown): SandcasterEvent {
  if (RunnerError.isInstance(error)) {
    return {
      type: "error",
      code: error.code,
      content: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
    };
  }
  return { type: "error", code: ERROR_CODES.INTERNAL, content: `runner failed: ${String(error)}` };
}

interface Gateway {
  connection: GatewayConnection;
  /** The same gateway for another provider the token may call (a sub-agent's). */
  connectionFor(provider: ModelProvider | undefined): GatewayConnection;
  toolEnv?: Record<string, string>;
}

/**
 * The host's gateway, when the config names one: a Unix socket gets a loopback relay (which is
 * also the agent's tools' HTTP proxy: the sandbox has no other way out); a URL is used as it is.
 */
async function connectGateway(config: RunnerConfig): Promise<Gateway | undefined> {
  const gateway = config.gateway;
  if (!gateway) return undefined;
  const relay = gateway.url ? undefined : await startGatewayRelay(gateway.socket ?? "");
  const root = relay ? relay.origin : (gateway.url ?? "").replace(/\/+$/, "");
  const connectionFor = (provider: ModelProvider | undefined): GatewayConnection => {
    const other = gateway.moreProviders?.find((p) => p.provider === provider);
    const chosen = other ?? gateway;
    return {
      provider: chosen.provider,
      token: gateway.token,
      customBaseUrl: chosen.customBaseUrl,
      baseURL: `${root}/${chosen.provider}`,
    };
  };
  const connection = connectionFor(gateway.provider);
  if (!relay) return { connection, connectionFor };
  const proxy = relay.origin;
  return {
    connection,
    connectionFor,
    toolEnv: {
      HTTP_PROXY: proxy,
      HTTPS_PROXY: proxy,
      http_proxy: proxy,
      https_proxy: proxy,
      NO_PROXY: "localhost,127.0.0.1,::1",
      no_proxy: "localhost,127.0.0.1,::1",
    },
  };
}

async function run(emit: Emit, writeLine: (line: string) => void): Promise<void> {
  const { config, startedAt, stdinLines } = await bootConfig(process.argv.slice(2));
  mark("config");
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new RunnerError(
        ERROR_CODES.TIMEOUT,
        `the run exceeded its timeout of ${config.timeoutSecs}s`,
        {
          hint: "raise the request's timeout, or ask for less work per run",
        },
      ),
    );
  }, config.timeoutSecs * 1000);
  timer.unref();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () =>
      controller.abort(new RunnerError(ERROR_CODES.CANCELLED, `runner received ${signal}`)),
    );
  }
  const deadline = startedAt + config.timeoutSecs * 1000;

  const tools = selectTools(config.allowedTools);
  if (config.composite) {
    // The host answers on stdin; only composite runs are started with a pipe there.
    // node:readline only for a composite run: loading it cost every cold boot.
    const answers =
      stdinLines ?? (await import("node:readline")).createInterface({ input: process.stdin });
    const channel = new HostChannel(writeLine, answers);
    tools.push(...compositeTools(channel, config.composite));
  }
  if (config.branching) tools.push(...branchingTools(emit, config.branching));
  const gateway = await connectGateway(config);
  const toolContext = (): ToolContext => ({
    cwd: config.cwd,
    signal: controller.signal,
    outputLimitChars: config.limits.toolOutputChars,
    env: gateway?.toolEnv,
    bashTimeoutMs: Math.max(
      1,
      Math.min(config.limits.bashTimeoutSecs * 1000, deadline - Date.now()),
    ),
  });
  // Skills and sub-agents; a sub-agent talks to its provider (the run's unless planned otherwise)
  // through the same gateway.
  const addons = agentAddons(config, {
    emit,
    toolContext,
    connect: (model, { system, tools: agentTools }, provider = config.provider) =>
      createConversation(
        { provider, model },
        {
          system,
          tools: agentTools.map(({ name, description, inputSchema }) => ({
            name,
            description,
            inputSchema,
          })),
          thinkingLevel: config.thinkingLevel,
          maxOutputTokens: config.limits.maxOutputTokens,
        },
        process.env,
        gateway?.connectionFor(provider),
      ),
  });
  tools.push(...addons.tools);
  const conversation = await createConversation(
    { provider: config.provider, model: config.model },
    {
      system: buildSystemPrompt({
        systemPrompt: config.systemPrompt,
        cwd: config.cwd,
        toolNames: tools.map((t) => t.name),
        outputFormat: config.outputFormat,
        sections: addons.promptSections,
      }),
      tools: tools.map(({ name, description, inputSchema }) => ({
        name,
        description,
        inputSchema,
      })),
      thinkingLevel: config.thinkingLevel,
      maxOutputTokens: config.limits.maxOutputTokens,
      history: config.history,
    },
    process.env,
    gateway?.connection,
  );
  mark("sdk");
  emit({
    type: "system",
    subtype: "agent_start",
    content: `agent started: ${conversation.model} via ${conversation.provider}`,
    model: conversation.model,
    provider: conversation.provider,
  });
  for (const notice of conversation.notices)
    emit({ type: "warning", code: "UNSUPPORTED_SETTING", content: notice });

  const outcome = await runAgent({
    prompt: config.prompt,
    conversation,
    tools,
    maxTurns: config.maxTurns,
    modelRetries: config.limits.modelRetries,
    emit,
    signal: controller.signal,
    toolContext,
  });
  clearTimeout(timer);
  // Sub-agents' calls count toward the run (the gateway's metering replaces both when it is on).
  const usage = addUsage(outcome.usage, addons.usage.usage);
  const costUsd =
    outcome.costUsd === undefined || addons.usage.costUsd === undefined
      ? undefined
      : outcome.costUsd + addons.usage.costUsd;

  let structuredOutput: unknown;
  if (config.outputFormat && outcome.subtype === "success") {
    const structured = parseStructuredOutput(outcome.text, config.outputFormat);
    if (structured.ok) {
      structuredOutput = structured.value;
      if (structured.warning) emit({ type: "warning", content: structured.warning });
    } else {
      emit({ type: "warning", code: "OUTPUT_FORMAT_MISMATCH", content: structured.reason });
    }
  }
  if (costUsd === undefined) {
    emit({
      type: "warning",
      code: "UNKNOWN_MODEL_PRICE",
      content: `no price is known for model "${conversation.model}", so the result carries no costUsd`,
    });
  }
  emit({
    type: "result",
    subtype: outcome.subtype,
    content: outcome.text,
    numTurns: outcome.numTurns,
    durationSecs: Math.round(Date.now() - startedAt) / 1000,
    model: conversation.model,
    usage,
    ...(costUsd === undefined ? {} : { costUsd: roundUsd(costUsd) }),
    ...(structuredOutput === undefined ? {} : { structuredOutput }),
  });
}

async function main(): Promise<void> {
  mark("main");
  liftoffOnlyBeforeWasm();
  keepStdoutForEvents();
  const writeLine = (line: string) => void process.stdout.write(line);
  const emit = createLineEmitter(writeLine);
  let exitCode = 0;
  try {
    await run(emit, writeLine);
  } catch (error) {
    emit(errorEvent(error));
    if (!RunnerError.isInstance(error))
      process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    exitCode = RunnerError.isInstance(error) && error.code === ERROR_CODES.INVALID_CONFIG ? 2 : 1;
  }
  reportBootTimings();
  // Exit explicitly (SDK keep-alive sockets would hold the process), once stdout has drained.
  process.stdout.write("", () => process.exit(exitCode));
}

// A V8 startup snapshot of this bundle (boot/snapshot-entry.mjs) evaluates everything up to here
// while it is built, long before any run: it takes main() to call once the snapshot is deserialized
// in a run's process. Anywhere else (runner.mjs alone, as every provider starts it) main runs now.
const deferMain = (globalThis as { [key: symbol]: unknown })[Symbol.for("sandcaster.deferMain")];
if (typeof deferMain === "function") deferMain(main);
else void main();
