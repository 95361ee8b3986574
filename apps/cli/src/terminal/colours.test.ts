import { describe, expect, it } from "vitest";
import { colourEnabled, createPalette, stripAnsi } from "./colours.js";

const tty = { isTTY: true, write: () => true };
const pipe = { isTTY: false, write: () => true };

describe("colourEnabled", () => {
  it.each([
    [tty, {}, true],
    [pipe, {}, false],
    [tty, { NO_COLOR: "1" }, false],
    [tty, { NO_COLOR: "" }, true], // no-color.org: only a non-empty value counts
    [pipe, { FORCE_COLOR: "1" }, true],
    [tty, { FORCE_COLOR: "0" }, false],
    [tty, { FORCE_COLOR: "1", NO_COLOR: "1" }, true],
    [tty, { TERM: "dumb" }, false],
  ])("%o with %o → %s", (stream, env, expected) => {
    expect(colourEnabled(stream, env)).toBe(expected);
  });
});

it("paints only when enabled, and stripAnsi undoes it", () => {
  expect(createPalette(false).red("x")).toBe("x");
  const red = createPalette(true).red("x");
  expect(red).toBe("\x1b[31mx\x1b[39m");
  expect(stripAnsi(red)).toBe("x");
});
