// readChangedFiles(): what counts as changed after staging, binary safety and limits.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectChangedFiles, takeSnapshot } from "../../src/providers/local/changed-files.js";
import { createLocalProvider } from "../../src/providers/local/index.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { LIMITS, makeBaseDir, signal } from "./helpers.js";

const BIG = { maxFileBytes: 1 << 20, maxTotalBytes: 1 << 22, maxFiles: 100 };

describe("readChangedFiles", () => {
  let baseDir: string;
  let sb: Sandbox;

  beforeEach(async () => {
    baseDir = await makeBaseDir();
    sb = await createLocalProvider({ isolation: "none", baseDir }).create({
      runId: "cf",
      env: {},
      limits: LIMITS,
      signal: signal(),
    });
  });

  afterEach(async () => {
    await sb.destroy();
    await rm(baseDir, { recursive: true, force: true });
  });

  const ws = (rel: string) => join(sb.workspacePath, rel);

  it("does not report untouched staged files, nor the runner dir", async () => {
    await sb.writeFiles(
      [
        { path: ws("a.txt"), content: Buffer.from("a") },
        { path: ws("deep/b.txt"), content: Buffer.from("b") },
        { path: join(sb.runnerDir, "runner.mjs"), content: Buffer.from("//") },
      ],
      signal(),
    );
    expect(await sb.readChangedFiles(BIG, signal())).toEqual({ files: [], skipped: [] });
  });

  it("reports a staged file modified right after staging (same size, same millisecond)", async () => {
    await sb.writeFiles([{ path: ws("a.txt"), content: Buffer.from("aaaa") }], signal());
    await writeFile(ws("a.txt"), "bbbb");
    const changed = await sb.readChangedFiles(BIG, signal());
    expect(changed.files.map((f) => [f.path, Buffer.from(f.content).toString()])).toEqual([
      ["a.txt", "bbbb"],
    ]);
  });

  it("round-trips a new binary file with bytes 0..255 exactly; ignores symlinks; sorts by path", async () => {
    await sb.writeFiles([{ path: ws("staged.txt"), content: Buffer.from("s") }], signal());
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await mkdir(ws("z/y"), { recursive: true });
    await writeFile(ws("z/y/all.bin"), bytes);
    await writeFile(ws("b.txt"), "b");
    await writeFile(ws("A.txt"), "A");
    await symlink("/etc/passwd", ws("link"));
    await symlink(ws("b.txt"), ws("link2"));
    const changed = await sb.readChangedFiles(BIG, signal());
    expect(changed.files.map((f) => f.path)).toEqual(["A.txt", "b.txt", "z/y/all.bin"]);
    expect(Buffer.from(changed.files[2]?.content ?? []).equals(Buffer.from(bytes))).toBe(true);
  });

  it("skips files over maxFileBytes and past maxTotalBytes, with reasons and sizes", async () => {
    await sb.writeFiles([], signal());
    await writeFile(ws("1-big.bin"), Buffer.alloc(2000));
    await writeFile(ws("2-ok.bin"), Buffer.alloc(600));
    await writeFile(ws("3-over-total.bin"), Buffer.alloc(600));
    await writeFile(ws("4-fits.bin"), Buffer.alloc(300));
    const changed = await sb.readChangedFiles(
      { maxFileBytes: 1000, maxTotalBytes: 1000, maxFiles: 10 },
      signal(),
    );
    expect(changed.files.map((f) => [f.path, f.content.length])).toEqual([
      ["2-ok.bin", 600],
      ["4-fits.bin", 300],
    ]);
    expect(changed.skipped).toEqual([
      { path: "1-big.bin", size: 2000, reason: "file_too_large" },
      { path: "3-over-total.bin", size: 600, reason: "total_too_large" },
    ]);
  });

  it("respects maxFiles", async () => {
    await sb.writeFiles([], signal());
    for (const name of ["a", "b", "c", "d"]) await writeFile(ws(name), name);
    const changed = await sb.readChangedFiles({ ...BIG, maxFiles: 2 }, signal());
    expect(changed.files.map((f) => f.path)).toEqual(["a", "b"]);
    expect(changed.skipped).toEqual([
      { path: "c", size: 1, reason: "too_many_files" },
      { path: "d", size: 1, reason: "too_many_files" },
    ]);
  });

  it("reports everything when nothing was staged", async () => {
    await writeFile(ws("x"), "x");
    expect((await sb.readChangedFiles(BIG, signal())).files.map((f) => f.path)).toEqual(["x"]);
  });

  it("refuses to stage through a symlink planted in the workspace", async () => {
    const outside = await mkdtemp(join(tmpdir(), "sandcaster-outside-"));
    try {
      await symlink(outside, ws("escape"));
      await expect(
        sb.writeFiles([{ path: ws("escape/pwned"), content: Buffer.from("x") }], signal()),
      ).rejects.toMatchObject({ code: "SANDBOX_IO_FAILED" });
      await symlink(join(outside, "file"), ws("file-link"));
      await expect(
        sb.writeFiles([{ path: ws("file-link"), content: Buffer.from("x") }], signal()),
      ).rejects.toMatchObject({ code: "SANDBOX_IO_FAILED" });
      const { readdir } = await import("node:fs/promises");
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe("takeSnapshot on a coarse clock", () => {
  let root: string;
  let ws: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "sandcaster-snapshot-"));
    ws = join(root, "ws");
    await mkdir(ws);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("waits for the filesystem clock to move past the staging time", async () => {
    await writeFile(join(ws, "a.txt"), "1111");
    const ticks = [10n, 10n, 10n, 11n];
    const snapshot = await takeSnapshot(ws, join(root, ".staged"), {
      clock: async () => ticks.shift() ?? 11n,
    });
    expect(ticks).toEqual([]);
    expect(snapshot.files.get("a.txt")?.sha256).toBeUndefined();
  });

  it("falls back to content hashes when the clock does not tick in time", async () => {
    await writeFile(join(ws, "a.txt"), "1111");
    await writeFile(join(ws, "b.txt"), "2222");
    // A clock stuck at 0: every file looks stamped in the staging tick, so all get hashed.
    const snapshot = await takeSnapshot(ws, join(root, ".staged"), {
      maxTickWaitMs: 0,
      clock: async () => 0n,
    });
    expect(snapshot.files.get("a.txt")?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await collectChangedFiles(ws, snapshot, BIG)).toEqual({ files: [], skipped: [] });
    await writeFile(join(ws, "b.txt"), "3333");
    const changed = await collectChangedFiles(ws, snapshot, BIG);
    expect(changed.files.map((f) => f.path)).toEqual(["b.txt"]);
  });
});
