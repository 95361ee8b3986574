// path-guard: `..`, absolute and symlink escapes are refused; inside paths resolve to real paths.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isInside, resolveInside } from "./path-guard.js";
import { makeSandbox, type Sandbox } from "./test-helpers.js";

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(async () => {
  await box.cleanup();
});

describe("resolveInside", () => {
  it("resolves relative paths against cwd, existing or not", async () => {
    await mkdir(path.join(box.cwd, "src"));
    expect(await resolveInside(box.cwd, "src/a.ts")).toEqual({
      ok: true,
      path: path.join(box.cwd, "src/a.ts"),
      root: box.cwd,
    });
    const deep = await resolveInside(box.cwd, "x/y/z.txt");
    expect(deep.ok && deep.path).toBe(path.join(box.cwd, "x/y/z.txt"));
    const self = await resolveInside(box.cwd, ".");
    expect(self.ok && self.path).toBe(box.cwd);
  });

  it("allows absolute paths inside cwd", async () => {
    const r = await resolveInside(box.cwd, path.join(box.cwd, "a.txt"));
    expect(r.ok && r.path).toBe(path.join(box.cwd, "a.txt"));
  });

  it("refuses .. escapes", async () => {
    for (const p of ["..", "../outside/a.txt", "src/../../x", "a/../../../etc/passwd"]) {
      const r = await resolveInside(box.cwd, p);
      expect(r.ok, p).toBe(false);
      expect(!r.ok && r.error).toContain("outside the working directory");
    }
  });

  it("keeps .. that stays inside", async () => {
    const r = await resolveInside(box.cwd, "a/../b.txt");
    expect(r.ok && r.path).toBe(path.join(box.cwd, "b.txt"));
  });

  it("refuses absolute paths outside cwd", async () => {
    for (const p of ["/etc/passwd", box.outside, `${box.cwd}-sibling/x`]) {
      const r = await resolveInside(box.cwd, p);
      expect(r.ok, p).toBe(false);
    }
  });

  it("refuses symlinks pointing outside, to files, dirs and nowhere", async () => {
    await writeFile(path.join(box.outside, "secret.txt"), "s");
    await symlink(path.join(box.outside, "secret.txt"), path.join(box.cwd, "file-link"));
    await symlink(box.outside, path.join(box.cwd, "dir-link"));
    await symlink(path.join(box.outside, "new.txt"), path.join(box.cwd, "dangling"));
    for (const p of ["file-link", "dir-link/secret.txt", "dir-link/new/deep.txt", "dangling"]) {
      const r = await resolveInside(box.cwd, p);
      expect(r.ok, p).toBe(false);
      expect(!r.ok && r.error).toContain("outside the working directory");
    }
  });

  it("follows symlinks that stay inside to their real target", async () => {
    await mkdir(path.join(box.cwd, "real"));
    await symlink(path.join(box.cwd, "real"), path.join(box.cwd, "alias"));
    const r = await resolveInside(box.cwd, "alias/f.txt");
    expect(r.ok && r.path).toBe(path.join(box.cwd, "real/f.txt"));
  });

  it("operates on the real path when .. follows a symlink", async () => {
    await symlink(box.outside, path.join(box.cwd, "out"));
    // The kernel would read outside/../x; we hand back cwd/x, which is what was checked.
    const r = await resolveInside(box.cwd, "out/../x");
    expect(r.ok && r.path).toBe(path.join(box.cwd, "x"));
  });
});

describe("isInside", () => {
  it("does not confuse a name prefix with a parent", () => {
    expect(isInside("/a/b", "/a/b")).toBe(true);
    expect(isInside("/a/b", "/a/b/c")).toBe(true);
    expect(isInside("/a/b", "/a/bc")).toBe(false);
    expect(isInside("/a/b", "/a/b/..c")).toBe(true);
    expect(isInside("/a/b", "/a")).toBe(false);
  });
});
