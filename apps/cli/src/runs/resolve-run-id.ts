// A run named by a unique prefix of its id (`runs show run_af0e`, or `af0e`), as git names commits.
// The store (and GET /runs?idPrefix=) looks the prefix up among every run; a server too old to
// know idPrefix refuses it, and then the newest runs are searched page by page.
import type { RunRecord } from "@sandcaster/protocol";
import type { RunHistory } from "../run-types.js";

/** How many of the newest runs a prefix is looked for in. */
const SEARCHED = 1000;
const PAGE = 100;
/** Shorter prefixes would match too much to be meant. */
const MIN_PREFIX = 4;

export class RunIdError extends Error {
  override name = "RunIdError";
}

/** The run with this id, or the one run whose id starts with it; else a RunIdError saying why. */
export async function resolveRun(history: RunHistory, typed: string): Promise<RunRecord> {
  const exact = await history.get(typed);
  if (exact) return exact;
  const prefix = typed.startsWith("run_") ? typed : `run_${typed}`;
  if (prefix.length - "run_".length < MIN_PREFIX)
    throw new RunIdError(`no run with id ${typed} (a prefix needs ${MIN_PREFIX} characters)`);
  const matches = await lookUp(history, prefix).catch((error: unknown) => {
    if (!refusesIdPrefix(error)) throw error;
    return scanNewest(history, prefix);
  });
  const [only, other] = matches;
  if (only && !other) return only;
  if (only && other)
    throw new RunIdError(
      `${typed} names more than one run (${only.id}, ${other.id}, …): type more of it`,
    );
  throw new RunIdError(`no run with id ${typed}`);
}

/** At most two runs whose ids start with `prefix` (two: the prefix is ambiguous). */
async function lookUp(history: RunHistory, prefix: string): Promise<RunRecord[]> {
  const page = await history.list({ limit: 2, idPrefix: prefix });
  // An old server that ignored the filter would list other runs: only real matches count.
  return page.runs.filter((run) => run.id.startsWith(prefix));
}

/**
 * A server before idPrefix answers 400 naming the parameter (its query string is strict); the
 * remote history turns that into a usage error with the server's message.
 */
function refusesIdPrefix(error: unknown): boolean {
  return error instanceof Error && error.message.includes("idPrefix");
}

/** The newest SEARCHED runs whose ids start with `prefix`, stopping at two. */
async function scanNewest(history: RunHistory, prefix: string): Promise<RunRecord[]> {
  const matches: RunRecord[] = [];
  let cursor: string | undefined;
  for (let seen = 0; seen < SEARCHED && matches.length < 2; ) {
    const page = await history.list({ limit: PAGE, cursor });
    matches.push(...page.runs.filter((run) => run.id.startsWith(prefix)));
    seen += page.runs.length;
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return matches;
}

/** The shortest id length, from 12 (`run_` and 8 characters), that tells every listed run apart. */
export function shortIdLength(ids: readonly string[]): number {
  for (let length = 12; ; length += 4) {
    const seen = new Set(ids.map((id) => id.slice(0, length)));
    if (seen.size === ids.length || ids.every((id) => id.length <= length)) return length;
  }
}
