// `sandcaster run pipeline.md`: runs a markdown pipeline (its bash blocks, in order, in one
// sandbox), streams the steps, then writes the document with the results back (or to stdout).
import { readFile, writeFile } from "node:fs/promises";
import {
  describeIssues,
  type PipelineRequestInput,
  PipelineRequestSchema,
  type ResultEvent,
  type SandboxProviderName,
  type SandcasterEvent,
} from "@sandcaster/protocol";
import { EXIT, UsageError } from "../exit-codes.js";
import { parseFlags } from "../parse-flags.js";
import { stepLines } from "../pipelines/step-lines.js";
import { followRun } from "../query/follow-run.js";
import { runStarter } from "../query/run-target.js";
import { createRunView } from "../render/run-view.js";
import type { RunHandle } from "../run-types.js";

const HELP = `usage: sandcaster run <pipeline.md> [options]

Runs a markdown pipeline: every top-level \`\`\`bash block is a step, run in order in one sandbox
(bash -eo pipefail, in the workspace). The first failing step stops the pipeline unless its
block says \`\`\`bash continue-on-error; \`\`\`bash timeout=30 limits one step. Each step's
result is written back under its block (a re-run replaces it). No model key is needed.

  --in-place         write the document with results back into the file
                     (default: print it to stdout; the live steps go to stderr)
  --session ID       run in a session's workspace (sandcaster sessions create): files carry over
  --sandbox NAME     local | docker | e2b
  --timeout SECS     the whole pipeline, 5..3600 (default: sandcaster.json, else 300)
  --json             print the raw events, one JSON object per line
  --url URL          a running server (default SANDCASTER_URL); SANDCASTER_API_KEY is its key
  --config PATH      sandcaster.json for in-process runs

Front matter (YAML between --- lines): sandboxProvider, timeout (each step's, seconds), env, session.
Exit code: the pipeline's (its stopping step's exit code, 124 for a step timeout), 0 when all
passed; 2 usage error; 130 cancelled with Ctrl-C.`;

/** The request as sent to a server, and as checked here (the same fields: no files from the CLI). */
function requestOf(markdown: string, values: Record<string, unknown>) {
  const input: PipelineRequestInput = {
    markdown,
    ...(typeof values.session === "string" ? { session: values.session } : {}),
    ...(values.sandbox ? { sandboxProvider: values.sandbox as SandboxProviderName } : {}),
    ...(values.timeout ? { timeout: Number(values.timeout) } : {}),
  };
  const parsed = PipelineRequestSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error), "run");
  return { input, request: parsed.data };
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("run", argv, {
    "in-place": { type: "boolean" },
    session: { type: "string" },
    sandbox: { type: "string" },
    timeout: { type: "string" },
    json: { type: "boolean" },
    url: { type: "string" },
    config: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [path] = positionals;
  if (!path || positionals.length > 1) throw new UsageError("name one pipeline file", "run");
  const markdown = await readFile(path, "utf8").catch((error: Error) => {
    throw new UsageError(`cannot read ${path}: ${error.message}`, "run");
  });
  const { input, request } = requestOf(markdown, values);
  const json = values.json === true;
  const inPlace = values["in-place"] === true;
  const env = process.env;
  // stdout carries the document (or --json's events); people read the live steps on stderr.
  const view = createRunView({
    json,
    out: json || inPlace ? process.stdout : process.stderr,
    err: process.stderr,
    env,
    thinking: false,
    verbose: false,
    timings: true,
  });
  const showStep = stepLines((text) => view.line(text));
  let result: ResultEvent | undefined;
  const shown = (handle: RunHandle): RunHandle => ({
    ...handle,
    events: (async function* (): AsyncGenerator<SandcasterEvent> {
      for await (const event of handle.events) {
        if (event.type === "result") result = event;
        if (json) yield event;
        else if (event.type === "result") yield { ...event, content: "" };
        else if (!showStep(event)) yield event;
      }
    })(),
  });

  const target = {
    command: "run",
    url: values.url ?? env.SANDCASTER_URL,
    configPath: values.config,
    env,
  };
  const start = runStarter(target, view, {
    remote: (client) => {
      const { markdown, ...options } = input;
      return client.pipelines.run(markdown, options);
    },
    local: async (options) =>
      (await import("../pipelines/in-process-pipeline.js")).startInProcessPipeline(
        request,
        options,
      ),
  });
  const code = await followRun(async () => shown(await start()), view);
  if (!result) return code === EXIT.ok ? EXIT.failed : code;
  if (inPlace) await writeFile(path, result.content);
  else if (!json) process.stdout.write(result.content);
  return result.exitCode ?? code;
}
