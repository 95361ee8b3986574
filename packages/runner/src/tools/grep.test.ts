// grep: path:line:text output, glob filter, invalid regex, match cap, staying inside cwd.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { grepTool, MAX_GREP_MATCHES } from "./grep.js";
import { makeSandbox, type Sandbox } from "./test-helpers.js";

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
  const files: Record<string, string | Buffer> = {
    "a.ts": "const Foo = 1;\nconst bar = 2;\n",
    "src/b.ts": "// foo here\nfoo();\n",
    "src/c.md": "foo in markdown\n",
    "node_modules/m/i.ts": "foo\n",
    "bin.dat": Buffer.from("foo\0bar"),
  };
  for (const [f, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(box.cwd, f)), { recursive: true });
    await writeFile(path.join(box.cwd, f), content);
  }
});
afterEach(async () => {
  await box.cleanup();
});

const grep = (input: unknown) => grepTool.run(input, box.context());

describe("grep", () => {
  it("prints path:line:text, skipping node_modules and binary files", async () => {
    expect(await grep({ pattern: "foo" })).toEqual({
      isError: false,
      content: "src/b.ts:1:// foo here\nsrc/b.ts:2:foo();\nsrc/c.md:1:foo in markdown",
    });
  });

  it("ignores case on request", async () => {
    expect((await grep({ pattern: "^const foo", ignoreCase: true })).content).toBe(
      "a.ts:1:const Foo = 1;",
    );
  });

  it("filters files by glob", async () => {
    expect((await grep({ pattern: "foo", glob: "*.md" })).content).toBe(
      "src/c.md:1:foo in markdown",
    );
    expect((await grep({ pattern: "foo", glob: "src/*.ts" })).content).toBe(
      "src/b.ts:1:// foo here\nsrc/b.ts:2:foo();",
    );
    expect((await grep({ pattern: "foo", path: "src", glob: "*.ts" })).content).toBe(
      "src/b.ts:1:// foo here\nsrc/b.ts:2:foo();",
    );
  });

  it("searches one named file", async () => {
    expect((await grep({ pattern: "bar", path: "a.ts" })).content).toBe("a.ts:2:const bar = 2;");
  });

  it("reports no matches without an error", async () => {
    expect(await grep({ pattern: "zzz" })).toEqual({ isError: false, content: "no matches" });
  });

  it("reports an invalid regex as an error", async () => {
    const r = await grep({ pattern: "foo(" });
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/^invalid regex: .*foo\(/);
  });

  it("caps the number of matches with a note", async () => {
    await writeFile(path.join(box.cwd, "many.txt"), "hit\n".repeat(MAX_GREP_MATCHES + 10));
    const r = await grepTool.run(
      { pattern: "hit", path: "many.txt" },
      box.context({ outputLimitChars: 1_000_000 }),
    );
    const lines = r.content.split("\n");
    expect(lines).toHaveLength(MAX_GREP_MATCHES + 1);
    expect(lines.at(-1)).toContain(`stopped at ${MAX_GREP_MATCHES} matches`);
  });

  it("stays inside the working directory", async () => {
    await writeFile(path.join(box.outside, "secret.txt"), "foo secret\n");
    await symlink(box.outside, path.join(box.cwd, "out"));
    expect((await grep({ pattern: "secret" })).content).toBe("no matches");
    expect((await grep({ pattern: "foo", path: "out" })).isError).toBe(true);
    expect((await grep({ pattern: "foo", path: box.outside })).isError).toBe(true);
  });
});
