import { describe, expect, it } from "vitest";
import { rawTar } from "../../test/workspace-archives.js";
import { packWorkspaceTar, readWorkspaceTar, workspaceEntryPath } from "./workspace-tar.js";

describe("workspaceEntryPath", () => {
  it("accepts relative names, `./` prefixes and trailing slashes; '' is the root", () => {
    expect(workspaceEntryPath("a/b.txt")).toBe("a/b.txt");
    expect(workspaceEntryPath("./a/")).toBe("a");
    expect(workspaceEntryPath("./")).toBe("");
    expect(workspaceEntryPath("workspace/a", "workspace")).toBe("a");
    expect(workspaceEntryPath("workspace/", "workspace")).toBe("");
  });

  it.each(["/etc/passwd", "../x", "a/../../x", "a/..", "a//b", "a/./b", "a\0b"])(
    "refuses %j",
    (name) => {
      expect(() => workspaceEntryPath(name)).toThrow(/refused/);
    },
  );

  it("refuses names outside the root", () => {
    expect(() => workspaceEntryPath("other/a", "workspace")).toThrow(/outside workspace/);
  });
});

describe("readWorkspaceTar", () => {
  it("strips special mode bits, adds missing parents, sorts parents first", async () => {
    const tar = await rawTar([
      { name: "z/deep/f", type: "file", content: "x", mode: 0o4755 },
      { name: "a", type: "directory", mode: 0o500 },
    ]);
    const entries = await readWorkspaceTar(tar, { strict: true });
    expect(entries.map(({ path, type, mode }) => [path, type, mode.toString(8)])).toEqual([
      ["a", "directory", "700"],
      ["z", "directory", "755"],
      ["z/deep", "directory", "755"],
      ["z/deep/f", "file", "755"],
    ]);
  });

  it("refuses a file that is also a parent", async () => {
    const tar = await rawTar([
      { name: "f", type: "file", content: "x" },
      { name: "f/g", type: "file", content: "y" },
    ]);
    await expect(readWorkspaceTar(tar, { strict: true })).rejects.toThrow(/parent f is a file/);
  });

  it("strict refuses links; lenient skips symlinks and copies hard links", async () => {
    const tar = await rawTar([
      { name: "w/f", type: "file", content: "data" },
      { name: "w/hard", type: "link", linkname: "w/f" },
      { name: "w/soft", type: "symlink", linkname: "/etc/passwd" },
    ]);
    await expect(readWorkspaceTar(tar, { strict: true, root: "w" })).rejects.toThrow(/link/);
    const entries = await readWorkspaceTar(tar, { strict: false, root: "w" });
    expect(entries.map((e) => [e.path, Buffer.from(e.content ?? []).toString()])).toEqual([
      ["f", "data"],
      ["hard", "data"],
    ]);
  });

  it("round-trips through packWorkspaceTar", async () => {
    const entries = [
      { path: "d", type: "directory" as const, mode: 0o755 },
      { path: "d/f", type: "file" as const, mode: 0o600, content: new Uint8Array([0, 255, 10]) },
    ];
    const packed = await packWorkspaceTar(entries, { uid: 1000, gid: 1000 });
    const read = await readWorkspaceTar(packed, { strict: true });
    expect(read.map(({ path, type, mode, content }) => ({ path, type, mode, content }))).toEqual([
      { path: "d", type: "directory", mode: 0o755, content: undefined },
      { path: "d/f", type: "file", mode: 0o600, content: Buffer.from([0, 255, 10]) },
    ]);
  });
});
