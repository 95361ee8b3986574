import { describe, expect, it } from "vitest";
import { stripJsonComments } from "./strip-json-comments.js";

const parse = (text: string) => JSON.parse(stripJsonComments(text));

describe("stripJsonComments", () => {
  it("removes line and block comments and keeps every line and column", () => {
    const text = '{\n  // the model\n  "model": "sonnet", /* inline */ "timeout": 30\n}';
    const stripped = stripJsonComments(text);
    expect(stripped).toHaveLength(text.length);
    expect(stripped.split("\n")).toHaveLength(text.split("\n").length);
    expect(JSON.parse(stripped)).toEqual({ model: "sonnet", timeout: 30 });
  });

  it("leaves comment markers and commas inside strings alone, escaped quotes included", () => {
    const value = { a: "http://x // not a comment", b: 'say \\"/* hi */\\",}', c: "x,]" };
    const text = `{"a": "http://x // not a comment", "b": "say \\\\\\"/* hi */\\\\\\",}", "c": "x,]"}`;
    expect(parse(text)).toEqual(value);
  });

  it("drops trailing commas before } and ], also across comments", () => {
    expect(parse('{"a": [1, 2,], "b": {"c": 1, // last\n},\n}')).toEqual({
      a: [1, 2],
      b: { c: 1 },
    });
  });

  it("keeps errors JSON.parse should report: an unterminated comment, a missing value", () => {
    expect(() => parse('{"a": 1 /* open')).toThrow();
    expect(() => parse('{"a": ,}')).toThrow();
    expect(() => parse("[1,,]")).toThrow();
  });

  it("ignores a byte-order mark and handles CRLF line comments", () => {
    expect(parse('\uFEFF{"a": 1 // x\r\n, "b": 2}')).toEqual({ a: 1, b: 2 });
  });
});
