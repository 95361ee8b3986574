// Replaces known secret values in text before it reaches a client, a log or the store.
import { promptPreview } from "@sandcaster/protocol";

const MIN_SECRET_LENGTH = 6;

/** `cut`: the text was truncated, so a secret may have been cut in half at its end. */
export type Redact = (text: string, options?: { cut?: boolean }) => string;

const REDACTED = "[REDACTED]";
/** Shortest secret prefix hidden at the end of a text the caller says was cut. */
const MIN_PARTIAL_AT_CUT = 4;
/**
 * Shortest piece of a secret hidden next to any cut, even one the caller did not announce: eight
 * characters of a key are too many to leak, and too many to match ordinary text by chance.
 */
const MIN_PARTIAL = 8;

/**
 * Where text was cut: the runner's head/tail truncation (`[... 512 characters cut ...]`), the
 * per-line cut (`[... 90 characters cut]`), listings, composite notes and previews (`…`).
 */
const CUT_MARKER = /\[[^\]\n]{0,120}\bcut\b[^\]\n]{0,120}\]|\(output was cut by the host\)|…/g;

interface Span {
  start: number;
  end: number;
}

/**
 * Whether `length` characters of `text` from `textAt` are those of `value` from `valueAt`; compared
 * in place: slicing each candidate piece made ~10 KB of strings a run (every event is redacted).
 */
function sameAt(
  text: string,
  textAt: number,
  value: string,
  valueAt: number,
  length: number,
): boolean {
  for (let i = 0; i < length; i++) {
    if (text.charCodeAt(textAt + i) !== value.charCodeAt(valueAt + i)) return false;
  }
  return true;
}

/** Length of the longest prefix (≥ min) of `value` that ends at `at` in `text`; 0 when none. */
function prefixEndingAt(text: string, at: number, value: string, min: number): number {
  for (let k = Math.min(value.length - 1, at); k >= min; k--) {
    if (sameAt(text, at - k, value, 0, k)) return k;
  }
  return 0;
}

/** Length of the longest suffix (≥ min) of `value` that starts at `at` in `text`; 0 when none. */
function suffixStartingAt(text: string, at: number, value: string, min: number): number {
  for (let k = Math.min(value.length - 1, text.length - at); k >= min; k--) {
    if (sameAt(text, at, value, value.length - k, k)) return k;
  }
  return 0;
}

/** Pieces of secrets left beside the cuts of `text` (its ends and every truncation marker). */
function partialSpans(text: string, values: readonly string[], cut: boolean): Span[] {
  // Left edges end a kept head; right edges start a kept tail. Whitespace around a marker is
  // the marker's own (the runner puts it on a line of its own).
  const left: { at: number; min: number }[] = [
    { at: text.length, min: cut ? MIN_PARTIAL_AT_CUT : MIN_PARTIAL },
  ];
  const right: number[] = [0];
  for (const match of text.matchAll(CUT_MARKER)) {
    const start = match.index;
    const end = start + match[0].length;
    let before = start;
    while (before > 0 && /\s/.test(text.charAt(before - 1))) before--;
    let after = end;
    while (after < text.length && /\s/.test(text.charAt(after))) after++;
    left.push({ at: before, min: MIN_PARTIAL });
    right.push(after);
  }
  const spans: Span[] = [];
  for (const value of values) {
    for (const { at, min } of left) {
      const k = prefixEndingAt(text, at, value, min);
      if (k > 0) spans.push({ start: at - k, end: at });
    }
    for (const at of right) {
      const k = suffixStartingAt(text, at, value, MIN_PARTIAL);
      if (k > 0) spans.push({ start: at, end: at + k });
    }
  }
  return spans;
}

function replaceSpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a.start - b.start);
  let out = "";
  let from = 0;
  for (const span of spans) {
    if (span.end <= from) continue;
    out += `${text.slice(from, Math.max(from, span.start))}${REDACTED}`;
    from = span.end;
  }
  return out + text.slice(from);
}

/**
 * Whole secrets are replaced everywhere. Truncation (of tool output, of long lines, of previews)
 * can leave a secret's head before the cut or its tail after it: those pieces are replaced too,
 * so redaction holds whether it runs before or after a cut.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redact {
  const values = [
    ...new Set(secrets.filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH)),
  ]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text, options) => {
    let out = text;
    for (const value of values) out = out.split(value).join(REDACTED);
    return replaceSpans(out, partialSpans(out, values, options?.cut === true));
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

/**
 * The run record's client-supplied fields as they may be stored and served: the prompt preview
 * (redacted whole, then again after the preview cut it) and the metadata.
 */
export function redactedRunFields<M>(
  prompt: string,
  metadata: M,
  redact: Redact,
): { prompt: string; metadata: M } {
  return {
    prompt: redact(promptPreview(redact(prompt)), { cut: true }),
    metadata: redactDeep(metadata, redact),
  };
}
