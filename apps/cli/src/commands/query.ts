// `sandcaster query "<prompt>"`: one run, in-process or against --url, shown live or as --json.
import { UsageError } from "../exit-codes.js";
import { parseFlags } from "../parse-flags.js";
import { followRun } from "../query/follow-run.js";
import { buildQueryRequest } from "../query/query-request.js";
import { createRemoteClient } from "../remote/remote-client.js";
import { startRemoteRun } from "../remote/remote-run.js";
import { createRunView } from "../render/run-view.js";

const HELP = `usage: sandcaster query "<prompt>" [options]
       echo "<prompt>" | sandcaster query - [options]

Runs one prompt in a fresh sandbox and shows it live: a spinner while the sandbox starts, the
assistant's text as it streams, one line per tool call, files the run wrote, and a summary.
In-process by default; against a server with --url (or SANDCASTER_URL).

  --model NAME           model id or alias (sonnet, opus, haiku, gpt5, gemini, …)
  --provider NAME        anthropic | openai | google | openrouter
  --sandbox NAME         local | docker | e2b
  --file PATH            put a file into the workspace (repeatable; binary files are fine)
  --timeout SECS         the whole run, 5..3600 (default 300)
  --max-turns N          model calls before the run stops
  --thinking-level L     none | low | medium | high
  --system-prompt TEXT   replaces the default system prompt
  --session ID           a turn of a session (sandcaster sessions create): its files and
                         conversation carry over
  --thinking             show the model's thinking (dimmed)
  --out DIR              save the files the run created or changed into DIR
  --json                 print the raw events, one JSON object per line
  --verbose              also thinking, the runner's stderr and tool output
  --url URL              a running server (default SANDCASTER_URL); SANDCASTER_API_KEY is its key
  --config PATH          sandcaster.json for in-process runs

Exit codes: 0 completed, 1 the run failed, 2 usage error, 130 cancelled with Ctrl-C.
Ctrl-C cancels the run and waits until its sandbox is gone; a second Ctrl-C quits at once.
Colours and the spinner only on a terminal (NO_COLOR / FORCE_COLOR are honoured).`;

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text.trim();
}

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("query", argv, {
    model: { type: "string" },
    provider: { type: "string" },
    sandbox: { type: "string" },
    file: { type: "string", multiple: true },
    timeout: { type: "string" },
    "max-turns": { type: "string" },
    "thinking-level": { type: "string" },
    "system-prompt": { type: "string" },
    session: { type: "string" },
    thinking: { type: "boolean" },
    out: { type: "string" },
    json: { type: "boolean" },
    verbose: { type: "boolean" },
    url: { type: "string" },
    config: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("the prompt is missing", "query");
  const prompt = positionals.join(" ") === "-" ? await readStdin() : positionals.join(" ");
  const { input, request } = await buildQueryRequest({
    prompt,
    model: values.model,
    provider: values.provider,
    sandbox: values.sandbox,
    files: values.file,
    timeout: values.timeout,
    maxTurns: values["max-turns"],
    thinkingLevel: values["thinking-level"],
    systemPrompt: values["system-prompt"],
    sessionId: values.session,
  });
  const env = process.env;
  const url = values.url ?? env.SANDCASTER_URL;
  const view = createRunView({
    json: values.json === true,
    out: process.stdout,
    err: process.stderr,
    env,
    outDir: values.out,
    thinking: values.thinking === true || values.verbose === true,
    verbose: values.verbose === true,
    timings: true,
  });

  if (url) {
    const client = createRemoteClient({ url, apiKey: env.SANDCASTER_API_KEY });
    view.waiting(`connecting to ${url}`);
    return followRun(() => startRemoteRun(client, input), view);
  }
  view.waiting("preparing");
  // In-process needs the whole server side; a --url query does not, so it is loaded only here.
  const [{ createLogger }, { startInProcessRun }] = await Promise.all([
    import("@sandcaster/api"),
    import("../local/in-process-run.js"),
  ]);
  const logger = createLogger({
    level: env.SANDCASTER_LOG_LEVEL ?? "error",
    destination: process.stderr,
  });
  return followRun(
    () => startInProcessRun(request, { configPath: values.config, env, logger }),
    view,
  );
}
