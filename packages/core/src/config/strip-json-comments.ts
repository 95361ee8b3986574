// Turns JSONC (comments, trailing commas) into plain JSON without moving any character's line or
// column, so JSON.parse's error positions still point into the file as written.

/**
 * Blanks `// …` and `/* … *\/` comments and commas that only precede `}` or `]`. Characters inside
 * strings are never touched; an unterminated block comment is left for JSON.parse to reject.
 */
export function stripJsonComments(text: string): string {
  const out = text.split("");
  // A byte-order mark (some Windows editors write one) is not JSON either.
  let i = text.startsWith("\uFEFF") ? 1 : 0;
  if (i === 1) out[0] = " ";
  /** Index of a comma not yet followed by a value: blanked if a closing bracket comes next. */
  let pendingComma = -1;
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === '"') {
      pendingComma = -1;
      i = skipString(text, i);
      continue;
    }
    if (ch === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n" && text[i] !== "\r") out[i++] = " ";
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) break;
      for (; i < end + 2; i++) if (text[i] !== "\n" && text[i] !== "\r") out[i] = " ";
      continue;
    }
    if (ch === ",") pendingComma = i;
    else if ((ch === "}" || ch === "]") && pendingComma !== -1) {
      out[pendingComma] = " ";
      pendingComma = -1;
    } else if (ch !== undefined && !/\s/.test(ch)) pendingComma = -1;
    i++;
  }
  return out.join("");
}

/** The index just past the string that opens at `start` (its closing quote), escapes honoured. */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "\\") i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return i;
}
