// Cuts the texts kept in a session's history, saying what was cut, so a model reading it knows.

function marker(cut: number): string {
  return `\n[... ${cut} characters cut from the session history ...]\n`;
}

/** `text` when it fits in `limit` characters, else its head and tail (errors come last) and a note. */
export function cutText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const budget = Math.max(0, limit - marker(text.length).length);
  const head = Math.ceil(budget / 2);
  const tail = budget - head;
  return text.slice(0, head) + marker(text.length - head - tail) + text.slice(text.length - tail);
}

/** A JSON value with every string longer than `limit` cut (a written file's content, say). */
export function cutStrings(value: unknown, limit: number): unknown {
  if (typeof value === "string") return cutText(value, limit);
  if (Array.isArray(value)) return value.map((item) => cutStrings(item, limit));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, cutStrings(item, limit)]),
    );
  }
  return value;
}

/** UTF-8 bytes of a value serialized as JSON: what a history costs to store and to hand over. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}
