// pg (~4 MB resident with its pool, protocol and types) is required when a PostgreSQL store, notifier
// or inspection first needs it, not when core is imported: a SQLite deployment never loads it.
import { createRequire } from "node:module";
import type pg from "pg";

const require = createRequire(import.meta.url);

/** The pg module, loaded on the first call (Node caches it after). */
export function loadPg(): typeof pg {
  return require("pg") as typeof pg;
}
