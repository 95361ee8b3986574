// Bounded label values: anything outside a known set becomes "other", so label cardinality stays fixed.
import { MODEL_PROVIDERS, SANDBOX_PROVIDERS } from "@sandcaster/protocol";

/** The value for a label whose source was absent (e.g. a run that failed before picking a model). */
export const NONE = "none";
/** The value for any label value outside its known set. */
export const OTHER = "other";

export const FINISH_STATUSES = ["completed", "error", "cancelled"] as const;
export const TOKEN_KINDS = ["input", "output", "cache_read", "cache_write"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

function bounded(known: readonly string[]): (value: string | undefined | null) => string {
  const set = new Set(known);
  return (value) => {
    if (value === undefined || value === null || value === "") return NONE;
    return set.has(value) ? value : OTHER;
  };
}

/** anthropic | openai | google | openrouter, else "none" (absent) or "other". */
export const providerLabel = bounded(MODEL_PROVIDERS);
/** local | docker | e2b, else "none" (absent) or "other". */
export const sandboxLabel = bounded(SANDBOX_PROVIDERS);
/** completed | error | cancelled, else "none" (absent) or "other". */
export const statusLabel = bounded(FINISH_STATUSES);
