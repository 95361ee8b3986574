import { describe, expect, it } from "vitest";
import { bytesOf, rawTar, readTar, streamOf } from "../../test/workspace-archives.js";
import { packWorkspace } from "./workspace-pack.js";
import { stageWorkspaceTar } from "./workspace-stage.js";
import { workspaceEntryPath } from "./workspace-tar.js";

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

const never = new AbortController().signal;

/** What stageWorkspaceTar makes of an upload: its tree and each file's content. */
async function staged(tar: Uint8Array) {
  const stage = await stageWorkspaceTar(streamOf(tar), never);
  try {
    const files: Record<string, string> = {};
    await stage.forEachFile(async (entry, body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      files[entry.path] = Buffer.concat(chunks).toString("hex");
    });
    const tree = stage.entries.map(({ path, type, mode }) => [path, type, mode.toString(8)]);
    return { tree, files };
  } finally {
    await stage.dispose();
  }
}

describe("the shared reader", () => {
  it("strips special mode bits, adds missing parents, sorts parents first", async () => {
    const tar = await rawTar([
      { name: "z/deep/f", type: "file", content: "x", mode: 0o4755 },
      { name: "a", type: "directory", mode: 0o500 },
    ]);
    expect((await staged(tar)).tree).toEqual([
      ["a", "directory", "700"],
      ["z", "directory", "755"],
      ["z/deep", "directory", "755"],
      ["z/deep/f", "file", "755"],
    ]);
  });

  it("keeps the last of duplicate names, binary content intact", async () => {
    const tar = await rawTar([
      { name: "./", type: "directory" },
      { name: "./d/x.bin", type: "file", content: Uint8Array.from([0, 255, 10]) },
      { name: "a/b.txt", type: "file", content: "b", mode: 0o600 },
      { name: "a/b.txt", type: "file", content: "again" },
    ]);
    const { tree, files } = await staged(tar);
    expect(tree.map(([path]) => path)).toEqual(["a", "a/b.txt", "d", "d/x.bin"]);
    expect(files).toEqual({
      "d/x.bin": "00ff0a",
      "a/b.txt": Buffer.from("again").toString("hex"),
    });
  });

  it("accepts an empty archive", async () => {
    expect(await staged(await rawTar([]))).toEqual({ tree: [], files: {} });
  });

  it("refuses a file that is also a parent", async () => {
    const tar = await rawTar([
      { name: "f", type: "file", content: "x" },
      { name: "f/g", type: "file", content: "y" },
    ]);
    await expect(staged(tar)).rejects.toThrow(/parent f is a file/);
  });

  // The rules e2b's own reader used to relax: one reader now, the strict one, for every provider.
  it.each([
    [{ name: "/etc/passwd", type: "file" as const, content: "x" }, /absolute path/],
    [{ name: "a/../../x", type: "file" as const, content: "x" }, /`\.\.`/],
    [{ name: "..", type: "directory" as const }, /`\.\.`/],
    [{ name: "a//b.txt", type: "file" as const, content: "x" }, /not normalized/],
    [{ name: "link", type: "symlink" as const, linkname: "/etc" }, /symlink entries/],
    [{ name: "hard", type: "link" as const, linkname: "ok.txt" }, /link entries/],
  ])("refuses %o, naming it", async (entry, message) => {
    const tar = await rawTar([{ name: "ok.txt", type: "file", content: "1" }, entry]);
    const error = await staged(tar).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "SANDBOX_INVALID_ARCHIVE",
      message: expect.stringMatching(message),
    });
    expect((error as Error).message).toContain(JSON.stringify(entry.name));
  });

  it("refuses what is not a tar archive", async () => {
    const error = await staged(new TextEncoder().encode("x".repeat(700))).catch((e) => e);
    expect(error).toMatchObject({ code: "SANDBOX_INVALID_ARCHIVE" });
  });

  it("lenient reads skip symlinks and report hard links", async () => {
    const tar = await rawTar([
      { name: "w/f", type: "file", content: "data" },
      { name: "w/hard", type: "link", linkname: "w/f" },
      { name: "w/soft", type: "symlink", linkname: "/etc/passwd" },
    ]);
    const entries = await readTar(tar, { strict: false, root: "w" });
    expect(entries.map((e) => e.path)).toEqual(["f"]);
  });
});

describe("packWorkspace", () => {
  it("round-trips through the reader, streaming file bodies", async () => {
    const stream = packWorkspace({ uid: 1000, gid: 1000 }, async (packer) => {
      await packer.directory({ path: "d", type: "directory", mode: 0o755, size: 0 });
      const body = [Buffer.from([0, 255]), Buffer.from([10])];
      await packer.file({ path: "d/f", type: "file", mode: 0o600, size: 3 }, body);
    });
    const read = await readTar(stream);
    expect(read.map(({ path, type, mode, content }) => ({ path, type, mode, content }))).toEqual([
      { path: "d", type: "directory", mode: 0o755, content: undefined },
      { path: "d/f", type: "file", mode: 0o600, content: Buffer.from([0, 255, 10]) },
    ]);
  });

  it("errors the stream when a file's body is shorter than its size", async () => {
    const stream = packWorkspace({ uid: 0, gid: 0 }, async (packer) => {
      await packer.file({ path: "f", type: "file", mode: 0o644, size: 10 }, [Buffer.from("x")]);
    });
    await expect(bytesOf(stream)).rejects.toThrow();
  });
});
