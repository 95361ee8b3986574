// `sandcaster query "<prompt>"`: one run, in-process or against --url, shown live or as --json.
import { UsageError } from "../exit-codes.js";
import { parseFlags } from "../parse-flags.js";
import { followRun } from "../query/follow-run.js";
import { QUERY_FLAGS, QUERY_HELP } from "../query/query-flags.js";
import { buildQueryRequest } from "../query/query-request.js";
import { runStarter } from "../query/run-target.js";
import { createRunView } from "../render/run-view.js";
import { resolveSession } from "../sessions/resolve-session.js";

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text.trim();
}

export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("query", argv, QUERY_FLAGS);
  if (values.help) {
    console.log(QUERY_HELP);
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
  const target = {
    command: "query",
    url: values.url ?? env.SANDCASTER_URL,
    configPath: values.config,
    env,
  };
  const start = runStarter(target, view, {
    // --session takes a session's name (or an id prefix) as `sessions show` does.
    remote: async (client) =>
      client.query(
        input.sessionId
          ? { ...input, sessionId: (await resolveSession(client.sessions, input.sessionId)).id }
          : input,
      ),
    local: async (options) =>
      (await import("../local/in-process-run.js")).startInProcessRun(request, options),
  });
  return followRun(start, view);
}
