// `sandcaster runs` (a table), `runs show <id>` and `runs tail <id>`, from a server or the local store.

import { RUN_STATUSES, type RunPage, type RunRecord, type RunStatus } from "@sandcaster/protocol";
import { UsageError } from "../exit-codes.js";
import { intFlag, parseFlags } from "../parse-flags.js";
import { createRunView } from "../render/run-view.js";
import type { RunHistory } from "../run-types.js";
import { resolveRun } from "../runs/resolve-run-id.js";
import { runDetails } from "../runs/run-details.js";
import { runTable } from "../runs/run-table.js";
import { tailRun } from "../runs/tail-run.js";
import { colourEnabled, createPalette } from "../terminal/colours.js";
import { safeJson } from "../terminal/safe-text.js";

const HELP = `usage: sandcaster runs [--status STATUS] [--limit N] [--cursor C | --all] [--json] [--url URL]
       sandcaster runs show <id> [--json] [--url URL]
       sandcaster runs tail <id> [--after SEQ] [--thinking] [--verbose] [--out DIR] [--json] [--url URL]

  runs          the newest runs as a table: id, status, model, turns, tokens, cost, duration, age,
                prompt (cut to the terminal's width, or COLUMNS); a run's id may be shortened to
                any unique prefix (\`runs show run_af0e\`, or \`af0e\`)
  runs show     one run in full: prompt, model, sandbox, times, usage, cost, files, error
  runs tail     a run's events from the start (or after event SEQ), then live until it ends,
                shown as \`sandcaster query\` shows them; Ctrl-C stops following (exit 130), the
                run itself goes on

  --status S    queued | running | completed | error | cancelled
  --limit N     how many runs, 1..100 (default 20)
  --cursor C    the page after the one that printed this cursor (the next page's command is
                printed on stderr under a table that has more)
  --all         every page, one table
  --after SEQ   tail: start after this event id (the SSE id; 0 = from the start)
  --thinking    tail: show the model's thinking; --verbose also the runner's stderr
  --out DIR     tail: save the run's files into DIR
  --json        raw JSON (the page, the record, or one event per line)
  --url URL     a server (default SANDCASTER_URL; SANDCASTER_API_KEY is its key). Without it, the
                local store: DATABASE_URL, else SANDCASTER_DB, else sandcaster.json's store.path
  --config PATH sandcaster.json, for the local store's path

Exit codes: 0 ok (tail: the run completed), 1 failed or not found, 2 usage error, 130 Ctrl-C.`;

/** Most pages --all reads (100 runs each): a bound, not a limit anyone should meet. */
const ALL_PAGES = 100;

/** One page, or with `all` every page from `cursor` on, joined. */
async function listPage(
  history: RunHistory,
  query: { status: RunStatus | undefined; limit: number; cursor: string | undefined },
  all: boolean | undefined,
): Promise<RunPage> {
  if (!all) return history.list(query);
  const runs: RunRecord[] = [];
  let cursor = query.cursor;
  for (let pages = 0; pages < ALL_PAGES; pages++) {
    const page = await history.list({ ...query, limit: 100, cursor });
    runs.push(...page.runs);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { runs, ...(cursor ? { nextCursor: cursor } : {}) };
}

async function remoteRunHistory(url: string, env: NodeJS.ProcessEnv) {
  const [{ serverClient }, { remoteHistory }] = await Promise.all([
    import("../remote/server-client.js"),
    import("../remote/remote-history.js"),
  ]);
  return remoteHistory(serverClient(url, env), url);
}

export async function runsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("runs", argv, {
    status: { type: "string" },
    limit: { type: "string", default: "20" },
    cursor: { type: "string" },
    all: { type: "boolean" },
    after: { type: "string", default: "0" },
    url: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    thinking: { type: "boolean" },
    verbose: { type: "boolean" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [action = "list", id, ...extra] = positionals;
  if (!["list", "show", "tail"].includes(action))
    throw new UsageError(`unknown action "${action}"; expected show or tail`, "runs");
  if (action !== "list" && !id) throw new UsageError(`runs ${action} needs a run id`, "runs");
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`, "runs");
  const status = values.status as RunStatus | undefined;
  if (status && !RUN_STATUSES.includes(status))
    throw new UsageError(`--status: expected one of ${RUN_STATUSES.join(", ")}`, "runs");
  const limit = intFlag("runs", "limit", values.limit, { min: 1, max: 100 }) ?? 20;
  const after = intFlag("runs", "after", values.after, { min: 0, max: Number.MAX_SAFE_INTEGER });

  const env = process.env;
  const url = values.url ?? env.SANDCASTER_URL;
  const history = url
    ? await remoteRunHistory(url, env)
    : await (await import("../local/store-history.js")).storeHistory({
        configPath: values.config,
        env,
      });
  const palette = createPalette(colourEnabled(process.stdout, env));
  try {
    if (action === "tail" && id) {
      const view = createRunView({
        json: values.json === true,
        out: process.stdout,
        err: process.stderr,
        env,
        outDir: values.out,
        thinking: values.thinking === true || values.verbose === true,
        verbose: values.verbose === true,
        timings: false,
      });
      return await tailRun(history, (await resolveRun(history, id)).id, after ?? 0, view);
    }
    if (action === "show" && id) {
      const run = await resolveRun(history, id);
      console.log(values.json ? safeJson(run, 2) : runDetails(run, palette));
      return 0;
    }
    const page = await listPage(history, { status, limit, cursor: values.cursor }, values.all);
    const width = process.stdout.isTTY ? process.stdout.columns : Number(env.COLUMNS) || undefined;
    console.log(values.json ? safeJson(page, 2) : runTable(page.runs, palette, { width }));
    if (page.nextCursor && !values.json) {
      const again = [status && `--status ${status}`, values.limit !== "20" && `--limit ${limit}`];
      const flags = [...again.filter(Boolean), `--cursor ${page.nextCursor}`].join(" ");
      process.stderr.write(`more: sandcaster runs ${flags}\n`);
    }
    return 0;
  } finally {
    await history.close();
  }
}
