// Replaces known secret values in text before it reaches a client, a log or the store.
const MIN_SECRET_LENGTH = 6;

/** `cut`: the text was truncated, so a secret may have been cut in half at its end. */
export type Redact = (text: string, options?: { cut?: boolean }) => string;

/** Shortest secret prefix worth hiding at the end of a cut line. */
const MIN_PARTIAL = 4;

export function createRedactor(secrets: readonly (string | undefined)[]): Redact {
  const values = [
    ...new Set(secrets.filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH)),
  ]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text, options) => {
    let out = text;
    for (const value of values) out = out.split(value).join("[REDACTED]");
    if (options?.cut) {
      for (const value of values) {
        for (let k = Math.min(value.length - 1, out.length); k >= MIN_PARTIAL; k--) {
          if (out.endsWith(value.slice(0, k))) {
            out = `${out.slice(0, out.length - k)}[REDACTED]`;
            break;
          }
        }
      }
    }
    return out;
  };
}

/**
 * Redacts every string inside a parsed value. Done after JSON parsing, so an escaped secret
 * ("\u0073k-…") is caught in its decoded form.
 */
export function redactDeep<T>(value: T, redact: Redact): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]),
    ) as T;
  }
  return value;
}
