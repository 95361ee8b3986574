// Can the run store be reached (DATABASE_URL, or the SQLite file), and is its schema up to date?
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { inspectRunStore } from "@sandcaster/core";
import type { SandcasterConfig } from "@sandcaster/protocol";
import type { Finding } from "./check.js";

/** The nearest directory that exists on the way up from `path`. */
async function existingAncestor(path: string): Promise<string> {
  let dir = resolve(path);
  for (;;) {
    try {
      await access(dir);
      return dir;
    } catch {
      const up = dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}

export async function probeStore(
  config: SandcasterConfig,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<Finding & { warn?: boolean }> {
  const sqlitePath = env.SANDCASTER_DB ?? config.store.path;
  let status: Awaited<ReturnType<typeof inspectRunStore>>;
  try {
    status = await inspectRunStore({
      databaseUrl: env.DATABASE_URL,
      sqlitePath,
      connectTimeoutMs: timeoutMs,
    });
  } catch (error) {
    const pg = env.DATABASE_URL?.startsWith("postgres");
    return {
      ok: false,
      message: `cannot open the ${pg ? "PostgreSQL" : "SQLite"} run store: ${(error as Error).message}`,
      hint: pg
        ? "check DATABASE_URL and that PostgreSQL is up"
        : "check SANDCASTER_DB / store.path and its permissions",
    };
  }
  const where = `${status.kind} ${status.location}`;
  if (!status.exists) {
    const dir = await existingAncestor(dirname(status.location));
    const writable = await access(dir, constants.W_OK).then(
      () => true,
      () => false,
    );
    return writable
      ? { ok: true, message: `${where} (created by the first run)` }
      : {
          ok: false,
          message: `${where} cannot be created: ${dir} is not writable`,
          hint: "set SANDCASTER_DB (or store.path) to a writable place",
        };
  }
  if (status.pending.length > 0)
    return {
      ok: false,
      warn: true,
      message: `${where} lacks ${status.pending.length} migration(s): ${status.pending.join(", ")}`,
      hint: "they run at the next `sandcaster serve` or query; nothing to do unless that fails",
    };
  return { ok: true, message: `${where} (schema up to date)` };
}
