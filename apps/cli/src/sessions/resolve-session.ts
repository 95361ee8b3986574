// A session named by its id, its name, or a unique prefix of its id, as `runs show` takes prefixes.
// The store looks up ids only, so names and prefixes are searched among the newest sessions.
import type { SessionRecord } from "@sandcaster/protocol";

/** How many of the newest sessions a name or prefix is looked for in (the list's largest page). */
const SEARCHED = 100;
const MIN_PREFIX = 4;

export class SessionHandleError extends Error {
  override name = "SessionHandleError";
}

export interface SessionLookup {
  get(id: string): Promise<SessionRecord>;
  list(query: { limit: number }): Promise<SessionRecord[]>;
}

/** Not-found errors differ by backend (SessionError locally, NotFoundError from the SDK). */
function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; status?: unknown } | null;
  return e?.code === "SESSION_NOT_FOUND" || e?.code === "NOT_FOUND" || e?.status === 404;
}

export async function resolveSession(
  sessions: SessionLookup,
  typed: string,
): Promise<SessionRecord> {
  try {
    return await sessions.get(typed);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const listed = await sessions.list({ limit: SEARCHED });
  // A name is a handle: a live session by that name wins over deleted ones that had it.
  const named = listed.filter((s) => s.name === typed);
  const live = named.filter((s) => s.status !== "deleted");
  const byName = live.length > 0 ? live : named;
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1)
    throw new SessionHandleError(`${typed} names ${byName.length} sessions: use the id`);
  const prefix = typed.startsWith("ses_") ? typed : `ses_${typed}`;
  if (prefix.length - "ses_".length < MIN_PREFIX)
    throw new SessionHandleError(`no session with id or name ${typed}`);
  const matches = listed.filter((s) => s.id.startsWith(prefix));
  const [only, other] = matches;
  if (only && !other) return only;
  if (only && other)
    throw new SessionHandleError(
      `${typed} names more than one session (${only.id}, ${other.id}, …)`,
    );
  throw new SessionHandleError(`no session with id or name ${typed}`);
}
