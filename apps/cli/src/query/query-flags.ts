// `sandcaster query`'s flags and help text (what they mean to the request: query-request.ts).

export const QUERY_HELP = `usage: sandcaster query "<prompt>" [options]
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
  --session ID|NAME      a turn of a session (sandcaster sessions create), by its id, name
                         or id prefix: its files and conversation carry over
  --thinking             show the model's thinking (dimmed)
  --out DIR              save the files the run created or changed into DIR
  --json                 print the raw events, one JSON object per line
  --verbose              also thinking, the runner's stderr and tool output
  --url URL              a running server (default SANDCASTER_URL); SANDCASTER_API_KEY is its key
  --config PATH          sandcaster.json for in-process runs

Exit codes: 0 completed, 1 the run failed, 2 usage error, 130 cancelled with Ctrl-C.
Ctrl-C cancels the run and waits until its sandbox is gone; a second Ctrl-C quits at once.
Colours and the spinner only on a terminal (NO_COLOR / FORCE_COLOR are honoured).`;

export const QUERY_FLAGS = {
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
} as const;
