// Replaces known secret values in text before it reaches a client, a log or the store.
const MIN_SECRET_LENGTH = 6;

export type Redact = (text: string) => string;

export function createRedactor(secrets: readonly (string | undefined)[]): Redact {
  const values = [
    ...new Set(secrets.filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH)),
  ]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const value of values) out = out.split(value).join("[REDACTED]");
    return out;
  };
}
