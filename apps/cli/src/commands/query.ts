// `sandcaster query "<prompt>"`: one run, in-process or against --url, printed as text or --json.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createLogger } from "@sandcaster/api";
import { executeRun, keepRunsAlive, PlanError, planRun } from "@sandcaster/core";
import {
  describeIssues,
  type QueryRequestInput,
  QueryRequestSchema,
  type SandcasterEvent,
} from "@sandcaster/protocol";
import { buildServices } from "../build-services.js";
import { createRenderer } from "../render-event.js";
import { queryRemote } from "../sse-client.js";

const HELP = `usage: sandcaster query "<prompt>" [options]

  --model NAME         model id or alias (sonnet, opus, haiku, gpt5, gemini, …)
  --provider NAME      anthropic | openai | google | openrouter
  --sandbox NAME       local | docker
  --file PATH          stage a file into the workspace (repeatable)
  --timeout SECS       run timeout (5..3600)
  --max-turns N        model calls before the run stops
  --json               print raw events, one JSON object per line
  --verbose            also print thinking and the runner's stderr
  --url URL            a running server (or SANDCASTER_URL); in-process when absent
  --config PATH        sandcaster.json for in-process runs`;

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      provider: { type: "string" },
      sandbox: { type: "string" },
      file: { type: "string", multiple: true },
      timeout: { type: "string" },
      "max-turns": { type: "string" },
      json: { type: "boolean" },
      verbose: { type: "boolean" },
      url: { type: "string" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const files: Record<string, string> = {};
  for (const path of values.file ?? []) files[path] = await readFile(path, "utf8");
  const input: QueryRequestInput = {
    prompt: positionals.join(" "),
    ...(values.model ? { model: values.model } : {}),
    ...(values.provider ? { provider: values.provider as never } : {}),
    ...(values.sandbox ? { sandboxProvider: values.sandbox as never } : {}),
    ...(values.file ? { files } : {}),
    ...(values.timeout ? { timeout: Number(values.timeout) } : {}),
    ...(values["max-turns"] ? { maxTurns: Number(values["max-turns"]) } : {}),
  };
  const parsed = QueryRequestSchema.safeParse(input);
  if (!parsed.success) throw new Error(`invalid query: ${describeIssues(parsed.error)}`);

  const renderer = createRenderer(process.stdout, {
    color: process.stdout.isTTY === true,
    verbose: !!values.verbose,
  });
  let sawResult = false;
  const show = (event: SandcasterEvent) => {
    if (event.type === "result") sawResult = true;
    if (values.json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else renderer.render(event);
  };
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort("cancelled with Ctrl-C"));

  const url = values.url ?? process.env.SANDCASTER_URL;
  if (url) {
    for await (const event of queryRemote(url, input, {
      apiKey: process.env.SANDCASTER_API_KEY,
      signal: controller.signal,
    })) {
      show(event);
    }
    return sawResult ? 0 : 1;
  }

  const logger = createLogger({
    level: process.env.SANDCASTER_LOG_LEVEL ?? "error",
    destination: process.stderr,
  });
  const built = await buildServices({ configPath: values.config, logger });
  // The run is stamped alive like a server's, so a server sharing the store never reaps it.
  const stopKeepingAlive = keepRunsAlive({
    store: built.services.store,
    activeRuns: built.activeRuns,
    heartbeatMs: built.config.runs.heartbeatSecs * 1000,
    staleAfterMs: built.config.runs.staleAfterSecs * 1000,
    logger,
  });
  try {
    const plan = planRun(parsed.data, built.config, process.env);
    const provider = await built.providers.select(parsed.data.sandboxProvider, {
      e2bApiKey: parsed.data.apiKeys?.e2b,
    });
    const runId = `run_${randomUUID()}`;
    const done = executeRun(
      { runId, plan, provider, emit: show, signal: controller.signal },
      built.services,
    );
    built.activeRuns.track(runId, controller, done);
    const outcome = await done;
    return outcome.status === "completed" ? 0 : 1;
  } catch (error) {
    if (error instanceof PlanError) throw new Error(`${error.field}: ${error.message}`);
    throw error;
  } finally {
    stopKeepingAlive();
    await built.close();
  }
}
