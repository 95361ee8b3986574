// How long to wait before reconnecting: exponential with jitter, or what the server asked for.

const BASE_MS = 500;
const MAX_MS = 10_000;
/** A Retry-After longer than this is not worth holding a stream open for. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Delay before reconnect number `attempt` (0-based): between half and all of min(10 s, 0.5 s × 2^n),
 * so many clients cut at once do not come back at once. A server's Retry-After wins.
 */
export function backoffMs(
  attempt: number,
  retryAfterSecs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterSecs !== undefined) return Math.min(retryAfterSecs * 1000, MAX_RETRY_AFTER_MS);
  const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
