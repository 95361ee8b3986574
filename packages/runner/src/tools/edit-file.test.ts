// edit_file: unique, missing, repeated and replace_all edits, and outside paths refused.
import { readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { editFileTool } from "./edit-file.js";
import { makeSandbox, type Sandbox } from "./test-helpers.js";

let box: Sandbox;
let file: string;
beforeEach(async () => {
  box = await makeSandbox();
  file = path.join(box.cwd, "f.ts");
  await writeFile(file, "const a = 1;\nconst b = 1;\nconst c = 2;\n");
});
afterEach(async () => {
  await box.cleanup();
});

const edit = (input: Record<string, unknown>) =>
  editFileTool.run({ path: "f.ts", ...input }, box.context());

describe("edit_file", () => {
  it("replaces a unique string", async () => {
    const r = await edit({ old_string: "c = 2", new_string: "c = $& $1 3" });
    expect(r).toEqual({ isError: false, content: "replaced 1 occurrence in f.ts" });
    expect(await readFile(file, "utf8")).toBe("const a = 1;\nconst b = 1;\nconst c = $& $1 3;\n");
  });

  it("fails when old_string is missing", async () => {
    const r = await edit({ old_string: "const d", new_string: "x" });
    expect(r.isError).toBe(true);
    expect(r.content).toContain("not found");
  });

  it("fails when old_string is not unique, saying how often it occurs", async () => {
    const r = await edit({ old_string: " = 1;", new_string: " = 9;" });
    expect(r.isError).toBe(true);
    expect(r.content).toContain("occurs 2 times");
    expect(await readFile(file, "utf8")).toBe("const a = 1;\nconst b = 1;\nconst c = 2;\n");
  });

  it("replaces every occurrence with replace_all", async () => {
    const r = await edit({ old_string: " = 1;", new_string: " = 9;", replace_all: true });
    expect(r.content).toBe("replaced 2 occurrences in f.ts");
    expect(await readFile(file, "utf8")).toBe("const a = 9;\nconst b = 9;\nconst c = 2;\n");
  });

  it("refuses identical strings", async () => {
    const r = await edit({ old_string: "c = 2", new_string: "c = 2" });
    expect(r.isError).toBe(true);
    expect(r.content).toContain("identical");
  });

  it("refuses files reached through a symlink outside", async () => {
    const outsideFile = path.join(box.outside, "o.ts");
    await writeFile(outsideFile, "const a = 1;");
    await symlink(outsideFile, path.join(box.cwd, "link.ts"));
    const r = await editFileTool.run(
      { path: "link.ts", old_string: "1", new_string: "2" },
      box.context(),
    );
    expect(r.isError).toBe(true);
    expect(await readFile(outsideFile, "utf8")).toBe("const a = 1;");
  });

  it("validates input", async () => {
    const r = await edit({ old_string: "", new_string: "x" });
    expect(r.isError).toBe(true);
    expect(r.content).toMatch(/^invalid input: old_string: /);
  });
});
