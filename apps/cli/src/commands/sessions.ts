// `sandcaster sessions`: list, create, show and delete sessions — on a server (--url, through
// @sandcaster/sdk) or on this machine (its store and sandbox providers, like an in-process query).

import {
  type CreateSessionRequestInput,
  CreateSessionRequestSchema,
  type RunRecord,
  SESSION_STATUSES,
  type SessionRecord,
  type SessionStatus,
} from "@sandcaster/protocol";
import { UsageError } from "../exit-codes.js";
import { intFlag, parseFlags } from "../parse-flags.js";
import { resolveSession } from "../sessions/resolve-session.js";
import { sessionDetails } from "../sessions/session-details.js";
import { sessionTable } from "../sessions/session-table.js";
import { colourEnabled, createPalette } from "../terminal/colours.js";
import { safeJson, safeLine, safeText } from "../terminal/safe-text.js";

const HELP = `usage: sandcaster sessions [list] [--status S | --all] [--limit N]
       sandcaster sessions create [--name NAME] [--sandbox local|docker|e2b] [--idle SECS] [--max-history N]
       sandcaster sessions show <id|name> [--json]
       sandcaster sessions delete <id|name>

A session keeps its workspace and conversation across queries: each
\`sandcaster query --session <id> "…"\` is a turn in a fresh sandbox process that sees the files
and the conversation of the turns before. One turn at a time; a session expires (and its workspace
is freed) after --idle seconds without a turn (default 900).

  list          the newest sessions; deleted ones only with --all or --status deleted
  show          one session in full (as \`runs show\` prints a run) and the runs of its turns
  <id|name>     a session's id, a unique prefix of it, or its --name

  --status S    active | expired | deleted
  --all         list deleted sessions too
  --limit N     how many sessions, 1..100 (default 20)
  --url URL     a server (default SANDCASTER_URL; SANDCASTER_API_KEY is its key); without it, this
                machine's store and sandboxes (as an in-process query uses them)
  --config PATH sandcaster.json for the local store and providers
  --json        the raw JSON

Exit codes: 0 ok, 1 failed or not found, 2 usage error.`;

interface Backend {
  list(query: { limit: number; status?: SessionStatus | undefined }): Promise<SessionRecord[]>;
  create(request: CreateSessionRequestInput): Promise<SessionRecord>;
  get(id: string): Promise<SessionRecord>;
  /** The runs of the session's turns, newest first. */
  runsOf(id: string): Promise<RunRecord[]>;
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}

async function remoteBackend(url: string, env: NodeJS.ProcessEnv): Promise<Backend> {
  const { serverClient, explainServerError } = await import("../remote/server-client.js");
  const client = serverClient(url, env);
  const explain = <T>(call: Promise<T>): Promise<T> =>
    call.catch((error: unknown) => Promise.reject(explainServerError(error, url, "sessions")));
  return {
    list: (query) => explain(client.sessions.list(query)),
    create: (request) => explain(client.sessions.create(request)),
    get: (id) => explain(client.sessions.get(id)),
    runsOf: async (id) => [...(await explain(client.sessions.get(id))).runs].reverse(),
    delete: (id) => explain(client.sessions.delete(id)),
    close: async () => {},
  };
}

async function localBackend(configPath: string | undefined): Promise<Backend> {
  const [{ createLogger }, { buildServices }, { localSessions }] = await Promise.all([
    import("@sandcaster/api"),
    import("../build-services.js"),
    import("../local/local-sessions.js"),
  ]);
  const logger = createLogger({
    level: process.env.SANDCASTER_LOG_LEVEL ?? "error",
    destination: process.stderr,
  });
  const built = await buildServices({ configPath, logger });
  const sessions = localSessions(built, process.env, logger);
  const signal = new AbortController().signal;
  return {
    list: (query) => sessions.list(query),
    create: (request) => sessions.create(CreateSessionRequestSchema.parse(request), signal),
    get: (id) => sessions.get(id),
    runsOf: async (id) => (await built.services.store.listRuns({ limit: 100, sessionId: id })).runs,
    delete: (id) => sessions.delete(id, signal),
    close: () => built.close(),
  };
}

export async function sessionsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("sessions", argv, {
    status: { type: "string" },
    limit: { type: "string", default: "20" },
    name: { type: "string" },
    sandbox: { type: "string" },
    idle: { type: "string" },
    "max-history": { type: "string" },
    url: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean" },
    all: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [action = "list", id, ...extra] = positionals;
  if (!["list", "create", "show", "delete"].includes(action))
    throw new UsageError(
      `unknown action "${action}"; expected list, create, show or delete`,
      "sessions",
    );
  if ((action === "show" || action === "delete") && !id)
    throw new UsageError(`sessions ${action} needs a session id`, "sessions");
  if (extra.length > 0 || (id && (action === "list" || action === "create")))
    throw new UsageError(
      `unexpected arguments: ${[id, ...extra].filter(Boolean).join(" ")}`,
      "sessions",
    );
  const status = values.status as SessionStatus | undefined;
  if (status && !SESSION_STATUSES.includes(status))
    throw new UsageError(`--status: expected one of ${SESSION_STATUSES.join(", ")}`, "sessions");
  const limit = intFlag("sessions", "limit", values.limit, { min: 1, max: 100 }) ?? 20;
  const create = {
    ...(values.name ? { name: values.name } : {}),
    ...(values.sandbox ? { sandboxProvider: values.sandbox } : {}),
    ...(values.idle
      ? { idleTimeoutSecs: intFlag("sessions", "idle", values.idle, { min: 30, max: 86_400 }) }
      : {}),
    ...(values["max-history"]
      ? {
          maxHistoryTurns: intFlag("sessions", "max-history", values["max-history"], {
            min: 1,
            max: 1000,
          }),
        }
      : {}),
  };
  const checked = CreateSessionRequestSchema.safeParse(create);
  if (action === "create" && !checked.success)
    throw new UsageError(checked.error.issues[0]?.message ?? "invalid", "sessions");

  const url = values.url ?? process.env.SANDCASTER_URL;
  const backend = url ? await remoteBackend(url, process.env) : await localBackend(values.config);
  const print = (value: unknown) => console.log(safeJson(value, values.json ? 0 : 2));
  try {
    if (action === "list") {
      // Deleted sessions are history, not handles: hidden unless asked for.
      const listed = await backend.list({ limit: status || values.all ? limit : 100, status });
      const sessions =
        status || values.all
          ? listed
          : listed.filter((s) => s.status !== "deleted").slice(0, limit);
      if (values.json) print(sessions);
      else console.log(sessionTable(sessions));
    } else if (action === "create") {
      const session = await backend.create(checked.data ?? {});
      if (values.json) print(session);
      else
        console.log(
          safeText(
            `${session.id}  (${session.sandboxProvider}; expires after ${session.idleTimeoutSecs}s idle)\nnext: sandcaster query --session ${session.id} "…"`,
          ),
        );
    } else if (action === "show") {
      const session = await resolveSession(backend, id ?? "");
      if (values.json) print(session);
      else {
        const palette = createPalette(colourEnabled(process.stdout, process.env));
        console.log(sessionDetails(session, await backend.runsOf(session.id), palette));
      }
    } else {
      const session = await resolveSession(backend, id ?? "");
      await backend.delete(session.id);
      if (!values.json) console.log(safeLine(`deleted ${session.id}; its workspace is gone`));
    }
    return 0;
  } finally {
    await backend.close();
  }
}
