import { describe, expect, it } from "vitest";
import { hasControlCharacters, safeLine, safeText } from "./safe-text.js";

const ESC = "\x1b";
const HOSTILE = [
  `${ESC}]0;pwned title\x07`, // window title
  `${ESC}[2J${ESC}[H`, // clear screen, cursor home
  `${ESC}]8;;https://evil.invalid\x1b\\link${ESC}]8;;\x1b\\`, // hyperlink
  `${ESC}P1$r0m${ESC}\\`, // DCS
  "\x9b31m", // 8-bit CSI
  `${ESC}7${ESC}8`, // save/restore cursor
  "\r✓ completed", // overwrite the line
  "\u202egnp.exe", // right-to-left override
  "\x00\x07\x08\x7f",
];

describe("safeText", () => {
  it("keeps plain text, newlines and tabs", () => {
    expect(safeText("line one\n\tline two — ünïcode ✓")).toBe("line one\n\tline two — ünïcode ✓");
  });

  it.each(HOSTILE)("leaves no control character of %j", (attack) => {
    const out = safeText(`before ${attack} after`);
    expect(hasControlCharacters(out.replace(/\n/g, ""))).toBe(false);
    expect(out).not.toContain(ESC);
    expect(out.startsWith("before ")).toBe(true);
    expect(out.endsWith(" after")).toBe(true);
  });

  it("turns CRLF into LF and drops a lone CR", () => {
    expect(safeText("a\r\nb\rc")).toBe("a\nbc");
  });
});

describe("safeLine", () => {
  it("puts a name on one line", () => {
    expect(safeLine("evil\nname\twith\x1b[31mred")).toBe("evil name withred");
  });
});

describe("hasControlCharacters", () => {
  it("accepts ordinary names and refuses names with controls, newlines or bidi overrides", () => {
    expect(hasControlCharacters("src/ünï côde/report.txt")).toBe(false);
    for (const name of ["a\x1b[2J.txt", "a\nb.txt", "a\rb", "\u202etxt.exe", "a\x9bb"]) {
      expect(hasControlCharacters(name)).toBe(true);
    }
  });
});
