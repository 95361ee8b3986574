// list_files: sorted recursive listing, glob filter, skipped dirs, symlinks, entry cap.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listFilesTool, MAX_LIST_ENTRIES } from "./list-files.js";
import { makeSandbox, type Sandbox } from "./test-helpers.js";

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
  for (const f of [
    "README.md",
    "src/a.ts",
    "src/b.md",
    "src/deep/c.ts",
    "node_modules/x/i.js",
    ".git/HEAD",
  ]) {
    await mkdir(path.dirname(path.join(box.cwd, f)), { recursive: true });
    await writeFile(path.join(box.cwd, f), "");
  }
});
afterEach(async () => {
  await box.cleanup();
});

const list = (input: unknown) => listFilesTool.run(input, box.context());

describe("list_files", () => {
  it("lists recursively and sorted, skipping .git and node_modules contents", async () => {
    expect((await list({})).content).toBe(
      [
        ".git/",
        "README.md",
        "node_modules/",
        "src/",
        "src/a.ts",
        "src/b.md",
        "src/deep/",
        "src/deep/c.ts",
      ].join("\n"),
    );
  });

  it("filters by glob relative to the listed path", async () => {
    expect((await list({ pattern: "**/*.ts" })).content).toBe("src/a.ts\nsrc/deep/c.ts");
    expect((await list({ pattern: "*.md" })).content).toBe("README.md");
    expect((await list({ path: "src", pattern: "*.{md,ts}" })).content).toBe("src/a.ts\nsrc/b.md");
    expect((await list({ pattern: "*.py" })).content).toBe("no entries match *.py");
  });

  it("does not follow symlinks out of the working directory", async () => {
    await writeFile(path.join(box.outside, "secret.txt"), "");
    await symlink(box.outside, path.join(box.cwd, "out"));
    const all = await list({});
    expect(all.content).toContain("out\n");
    expect(all.content).not.toContain("secret.txt");
    const through = await list({ path: "out" });
    expect(through.isError).toBe(true);
    expect(through.content).toContain("outside the working directory");
    expect((await list({ path: ".." })).isError).toBe(true);
  });

  it("caps the number of entries with a note", async () => {
    await mkdir(path.join(box.cwd, "many"));
    for (let i = 0; i < MAX_LIST_ENTRIES + 50; i++) {
      await writeFile(path.join(box.cwd, "many", `f${String(i).padStart(4, "0")}`), "");
    }
    const r = await listFilesTool.run(
      { path: "many" },
      box.context({ outputLimitChars: 1_000_000 }),
    );
    const lines = r.content.split("\n");
    expect(lines).toHaveLength(MAX_LIST_ENTRIES + 1);
    expect(lines.at(-1)).toContain(`cut at ${MAX_LIST_ENTRIES} entries`);
  });

  it("reports a missing directory", async () => {
    expect((await list({ path: "nope" })).isError).toBe(true);
  });
});
