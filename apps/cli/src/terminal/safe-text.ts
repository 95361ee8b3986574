// Text from a server or a sandbox, made harmless for a terminal: no escape sequences (title, clear
// screen, cursor moves, hyperlinks), no carriage returns or other control characters that redraw
// or fake lines, no bidi overrides that reorder what is shown. Colours the CLI adds come after.
// Hand-written: strip-ansi covers ESC sequences only, not C0/C1 controls or bidi overrides.

/* biome-ignore-start lint/suspicious/noControlCharactersInRegex: matching control characters is the point */
/** CSI (ESC [ … final byte), string sequences (OSC, DCS, SOS, PM, APC) up to BEL/ST, other ESC pairs. */
const ESCAPE_SEQUENCE =
  /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)|\x1b[\s\S]?/g;
/** C0 controls but tab and newline, DEL, C1 controls. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** Bidi embeddings, overrides and isolates, and the invisible direction marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/* biome-ignore-end lint/suspicious/noControlCharactersInRegex: matching control characters is the point */

/** Streamed text (model output, tool output): keeps newlines and tabs, loses everything else. */
export function safeText(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, "")
    .replace(/\r\n/g, "\n")
    .replace(CONTROL, "")
    .replace(BIDI, "");
}

/** A name or a field on one line (file names, models, ids, prompts in tables): newlines become spaces. */
export function safeLine(text: string): string {
  return safeText(text).replace(/[\n\t]/g, " ");
}

/** Whether a name carries anything a terminal would act on (then it is refused, not renamed). */
export function hasControlCharacters(text: string): boolean {
  return UNSAFE.test(text) || /[\n\t]/.test(text);
}

/**
 * JSON for a terminal or a pipe: JSON.stringify already escapes C0 controls; this also escapes
 * C1 controls, bidi overrides and line separators, so the text is the same JSON and inert.
 */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
