// glob: segment-bound * and ?, spanning **, braces, classes, literal regex characters.
import { describe, expect, it } from "vitest";
import { globToRegExp } from "./glob.js";

const matches = (glob: string, p: string) => globToRegExp(glob).test(p);

describe("globToRegExp", () => {
  it("keeps * and ? within one segment", () => {
    expect(matches("*.md", "README.md")).toBe(true);
    expect(matches("*.md", "docs/a.md")).toBe(false);
    expect(matches("?.ts", "a.ts")).toBe(true);
    expect(matches("?.ts", "ab.ts")).toBe(false);
    expect(matches("src/*.ts", "src/a.ts")).toBe(true);
    expect(matches("src/*.ts", "src/x/a.ts")).toBe(false);
  });

  it("lets ** span zero or more segments", () => {
    expect(matches("**/*.ts", "a.ts")).toBe(true);
    expect(matches("**/*.ts", "src/deep/a.ts")).toBe(true);
    expect(matches("**/*.ts", "src/a.tsx")).toBe(false);
    expect(matches("src/**/*.ts", "src/a.ts")).toBe(true);
    expect(matches("src/**/*.ts", "src/x/y/a.ts")).toBe(true);
    expect(matches("src/**/*.ts", "lib/a.ts")).toBe(false);
    expect(matches("src/**", "src/x/y")).toBe(true);
    expect(matches("**", "anything/at/all")).toBe(true);
  });

  it("supports braces and classes", () => {
    expect(matches("*.{js,ts}", "a.ts")).toBe(true);
    expect(matches("*.{js,ts}", "a.js")).toBe(true);
    expect(matches("*.{js,ts}", "a.json")).toBe(false);
    expect(matches("file[0-9].txt", "file7.txt")).toBe(true);
    expect(matches("file[!0-9].txt", "file7.txt")).toBe(false);
    expect(matches("file[!0-9].txt", "fileA.txt")).toBe(true);
  });

  it("treats regex characters literally", () => {
    expect(matches("a+b(1).txt", "a+b(1).txt")).toBe(true);
    expect(matches("a.txt", "abtxt")).toBe(false);
    expect(matches("{oops", "{oops")).toBe(true);
    expect(matches("[oops", "[oops")).toBe(true);
  });
});
