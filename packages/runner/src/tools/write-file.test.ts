// write_file: creates parents, and never writes outside cwd, symlinks included.
import { mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeSandbox, type Sandbox } from "./test-helpers.js";
import { writeFileTool } from "./write-file.js";

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe("write_file", () => {
  it("creates parent directories and reports bytes", async () => {
    const r = await writeFileTool.run({ path: "a/b/c.txt", content: "héllo" }, box.context());
    expect(r).toEqual({ isError: false, content: "created a/b/c.txt (6 bytes written)" });
    expect(await readFile(path.join(box.cwd, "a/b/c.txt"), "utf8")).toBe("héllo");
  });

  it("overwrites an existing file", async () => {
    await writeFile(path.join(box.cwd, "f.txt"), "old");
    const r = await writeFileTool.run({ path: "f.txt", content: "new" }, box.context());
    expect(r.content).toBe("overwrote f.txt (3 bytes written)");
    expect(await readFile(path.join(box.cwd, "f.txt"), "utf8")).toBe("new");
  });

  it("refuses to replace a directory", async () => {
    await mkdir(path.join(box.cwd, "d"));
    const r = await writeFileTool.run({ path: "d", content: "x" }, box.context());
    expect(r.isError).toBe(true);
  });

  it("refuses .. and absolute paths outside", async () => {
    for (const p of ["../outside/x.txt", path.join(box.outside, "x.txt")]) {
      const r = await writeFileTool.run({ path: p, content: "x" }, box.context());
      expect(r.isError, p).toBe(true);
      expect(r.content).toContain("outside the working directory");
    }
    expect(await exists(path.join(box.outside, "x.txt"))).toBe(false);
  });

  it("refuses to write through symlinks that point outside", async () => {
    await writeFile(path.join(box.outside, "target.txt"), "original");
    await symlink(path.join(box.outside, "target.txt"), path.join(box.cwd, "file-link"));
    await symlink(path.join(box.outside, "created.txt"), path.join(box.cwd, "dangling"));
    await symlink(box.outside, path.join(box.cwd, "dir-link"));
    for (const p of ["file-link", "dangling", "dir-link/new.txt", "dir-link/sub/new.txt"]) {
      const r = await writeFileTool.run({ path: p, content: "pwned" }, box.context());
      expect(r.isError, p).toBe(true);
      expect(r.content).toContain("outside the working directory");
    }
    expect(await readFile(path.join(box.outside, "target.txt"), "utf8")).toBe("original");
    expect(await exists(path.join(box.outside, "created.txt"))).toBe(false);
    expect(await exists(path.join(box.outside, "new.txt"))).toBe(false);
    expect(await exists(path.join(box.outside, "sub"))).toBe(false);
  });
});
