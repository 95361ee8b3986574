// `sandcaster runs [--status] [--limit]` as a table, and `sandcaster runs show <id>`.
import { parseArgs } from "node:util";
import { createRunStore, loadConfig, type RunPage } from "@sandcaster/core";
import type { RunRecord } from "@sandcaster/protocol";

const HELP = `usage: sandcaster runs [--status STATUS] [--limit N] [--url URL] [--json]
       sandcaster runs show <id> [--url URL]

Reads the local run history (SANDCASTER_DB or sandcaster.json store.path), or a server's /runs with --url.`;

async function fetchJson<T>(url: string, path: string): Promise<T> {
  const key = process.env.SANDCASTER_API_KEY;
  const response = await fetch(new URL(path, url), {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`server answered ${response.status}: ${body.error ?? "error"}`);
  return body;
}

function table(runs: RunRecord[]): string {
  const rows = runs.map((r) => [
    r.id,
    r.status,
    r.startedAt.replace("T", " ").slice(0, 19),
    r.durationSecs === undefined ? "" : `${r.durationSecs.toFixed(1)}s`,
    r.numTurns === undefined ? "" : String(r.numTurns),
    r.costUsd === undefined ? "" : `$${r.costUsd.toFixed(4)}`,
    r.model ?? "",
    r.prompt.replace(/\s+/g, " ").slice(0, 40),
  ]);
  const head = ["ID", "STATUS", "STARTED (UTC)", "TIME", "TURNS", "COST", "MODEL", "PROMPT"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export async function runsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      status: { type: "string" },
      limit: { type: "string", default: "20" },
      url: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const url = values.url ?? process.env.SANDCASTER_URL;
  const showId = positionals[0] === "show" ? positionals[1] : undefined;
  if (positionals[0] === "show" && !showId) throw new Error("usage: sandcaster runs show <id>");

  let page: RunPage | undefined;
  let one: RunRecord | undefined;
  if (url) {
    if (showId) one = await fetchJson<RunRecord>(url, `/runs/${encodeURIComponent(showId)}`);
    else {
      const query = new URLSearchParams({
        limit: values.limit,
        ...(values.status ? { status: values.status } : {}),
      });
      page = await fetchJson<RunPage>(url, `/runs?${query}`);
    }
  } else {
    const { config } = await loadConfig(values.config ?? process.env.SANDCASTER_CONFIG);
    const store = createRunStore({
      databaseUrl: process.env.DATABASE_URL,
      sqlitePath: process.env.SANDCASTER_DB ?? config.store.path,
    });
    await store.migrate();
    try {
      if (showId) {
        one = await store.getRun(showId);
        if (!one) throw new Error(`no run with id ${showId}`);
      } else {
        page = await store.listRuns({
          limit: Number(values.limit),
          status: values.status as RunRecord["status"] | undefined,
        });
      }
    } finally {
      await store.close();
    }
  }
  if (one) console.log(JSON.stringify(one, null, 2));
  else if (page) console.log(values.json ? JSON.stringify(page, null, 2) : table(page.runs));
  return 0;
}
