// Small glob → RegExp converter (`**`, `*`, `?`, `{a,b}`, `[...]`): Node 20 has no stable fs.glob.

const REGEX_SPECIAL = new Set([..."\\^$.|+()[]{}*?/"]);

function escapeChar(c: string): string {
  return REGEX_SPECIAL.has(c) && c !== "/" ? `\\${c}` : c;
}

/** Index of the `]` closing a class opened at `start`, or -1 when the `[` is literal. */
function classEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === "!" || glob[i] === "^") i++;
  if (glob[i] === "]") i++;
  for (; i < glob.length; i++) if (glob[i] === "]") return i;
  return -1;
}

// Matches a whole slash-separated relative path. `*` and `?` stay within one segment; `**` as a
// whole segment spans any number of them, including none: "**/*.ts" matches "a.ts" too.
export function globToRegExp(glob: string): RegExp {
  let out = "";
  let braceDepth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    const atSegmentStart = i === 0 || glob[i - 1] === "/";
    if (c === "*" && glob[i + 1] === "*" && atSegmentStart) {
      const next = glob[i + 2];
      if (next === "/") {
        out += "(?:[^/]*/)*";
        i += 2;
        continue;
      }
      if (next === undefined) {
        out += ".*";
        i += 1;
        continue;
      }
    }
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "{") {
      braceDepth++;
      out += "(?:";
    } else if (c === "}" && braceDepth > 0) {
      braceDepth--;
      out += ")";
    } else if (c === "," && braceDepth > 0) out += "|";
    else if (c === "[" && classEnd(glob, i) !== -1) {
      const end = classEnd(glob, i);
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      out += `[${negated ? "^/" : ""}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else if (c === "\\" && i + 1 < glob.length) {
      out += escapeChar(glob[i + 1] as string);
      i++;
    } else out += escapeChar(c);
  }
  // An unclosed "{" reads as a literal brace rather than a broken regex.
  if (braceDepth > 0) return globToRegExp(glob.replace(/[{}]/g, "\\$&"));
  return new RegExp(`^${out}$`);
}
