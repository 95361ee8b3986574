// Docker provider pieces that need no daemon: tar, planning, staging paths, errors, client options.
import { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { extract, pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { collectChangedFiles, planChangedFiles } from "../../src/providers/docker/changed-files.js";
import { dockerClientOptions } from "../../src/providers/docker/client.js";
import { toSandboxError } from "../../src/providers/docker/errors.js";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import { stagedEntries } from "../../src/providers/docker/staged-entries.js";
import {
  packEntries,
  readSingleFile,
  type SingleFileResult,
} from "../../src/providers/docker/tar.js";

const httpError = (statusCode: number, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), {
    statusCode,
    json: { message },
  });

describe("tar", () => {
  it("round-trips binary content", async () => {
    const content = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
    const archive = await packEntries([
      { name: "dir/", type: "directory", mode: 0o755, uid: 1000, gid: 1000 },
      { name: "dir/bytes.bin", type: "file", content, mode: 0o600, uid: 1000, gid: 1000 },
    ]);
    const result = await readSingleFile(Readable.from([archive]), 1024);
    expect(result).toEqual({ kind: "file", content: Buffer.from(content) });
  });

  it("refuses an entry above the budget without buffering it", async () => {
    const archive = pack();
    const size = 64 * 1024 * 1024;
    const entry = archive.entry({ name: "huge.bin", size, type: "file" });
    let written = 0;
    const block = Buffer.alloc(1024 * 1024);
    const feed = () => {
      while (written < size) {
        written += block.length;
        if (!entry.write(block)) return void entry.once("drain", feed);
      }
      entry.end(() => archive.finalize());
    };
    feed();
    expect(await readSingleFile(archive as unknown as NodeJS.ReadableStream, 1024)).toEqual({
      kind: "too_large",
      size,
    });
    expect(written).toBeLessThan(size);
  });

  it("keeps long path names", async () => {
    const name = `${"deep/".repeat(60)}file.txt`;
    const archive = await packEntries([
      { name, type: "file", content: Buffer.from("x"), mode: 0o644, uid: 1000, gid: 1000 },
    ]);
    const names: string[] = [];
    const extractor = extract();
    Readable.from([archive]).pipe(extractor);
    for await (const entry of extractor) {
      names.push(entry.header.name);
      entry.resume();
    }
    expect(names).toEqual([name]);
  });

  it("reports an archive without a regular file as missing", async () => {
    const archive = await packEntries([
      { name: "d/", type: "directory", mode: 0o755, uid: 0, gid: 0 },
    ]);
    expect(await readSingleFile(Readable.from([archive]), 10)).toEqual({ kind: "missing" });
  });
});

describe("planChangedFiles", () => {
  it("sorts by path and applies per-file, count and total limits from sizes", () => {
    const plan = planChangedFiles(
      [
        { path: "z.txt", size: 1 },
        { path: "big.bin", size: 2_000_000_000 },
        { path: "a.txt", size: 40 },
        { path: "b.txt", size: 70 },
        { path: "c.txt", size: 10 },
      ],
      { maxFileBytes: 100, maxTotalBytes: 100, maxFiles: 2 },
    );
    expect(plan.read).toEqual([
      { path: "a.txt", size: 40 },
      { path: "c.txt", size: 10 },
    ]);
    expect(plan.skipped).toEqual([
      { path: "b.txt", size: 70, reason: "total_too_large" },
      { path: "big.bin", size: 2_000_000_000, reason: "file_too_large" },
      { path: "z.txt", size: 1, reason: "too_many_files" },
    ]);
  });
});

describe("collectChangedFiles", () => {
  it("re-checks what was really read: vanished, grown and over-budget files", async () => {
    const contents: Record<string, SingleFileResult> = {
      "gone.txt": { kind: "missing" },
      "grew.txt": { kind: "too_large", size: 5_000 },
      "ok.txt": { kind: "file", content: Buffer.from("12345") },
      "swelled.txt": { kind: "file", content: Buffer.alloc(60) },
    };
    const read: string[] = [];
    const result = await collectChangedFiles(
      {
        scan: async () => Object.keys(contents).map((path) => ({ path, size: 5 })),
        read: async (path, maxBytes) => {
          read.push(`${path}<=${maxBytes}`);
          return contents[path] ?? { kind: "missing" };
        },
      },
      { maxFileBytes: 100, maxTotalBytes: 50, maxFiles: 10 },
      new AbortController().signal,
    );
    expect(read.sort()).toEqual([
      "gone.txt<=100",
      "grew.txt<=100",
      "ok.txt<=100",
      "swelled.txt<=100",
    ]);
    expect(result.files).toEqual([
      { path: "ok.txt", content: new Uint8Array(Buffer.from("12345")) },
    ]);
    expect(result.skipped).toEqual([
      { path: "grew.txt", size: 5_000, reason: "file_too_large" },
      { path: "swelled.txt", size: 60, reason: "total_too_large" },
    ]);
  });
});

describe("stagedEntries", () => {
  const roots = ["/workspace", "/opt/sandcaster"];
  const file = (path: string) => ({ path, content: new Uint8Array([1]) });

  it("adds missing parent directories below the roots, parents first", () => {
    const entries = stagedEntries(
      [file("/workspace/a/b/c.txt"), file("/opt/sandcaster/r.mjs")],
      roots,
    );
    expect(entries.map((entry) => [entry.name, entry.type, entry.mode, entry.uid])).toEqual([
      ["workspace/a/", "directory", 0o755, 1000],
      ["workspace/a/b/", "directory", 0o755, 1000],
      ["workspace/a/b/c.txt", "file", 0o644, 1000],
      ["opt/sandcaster/r.mjs", "file", 0o644, 1000],
    ]);
  });

  it.each([
    "/etc/passwd",
    "/workspace",
    "/workspace/../etc/passwd",
    "workspace/x",
    "/workspace/x/",
    "/workspacex/y",
  ])("rejects %s", (path) => {
    expect(() => stagedEntries([file(path)], roots)).toThrow(/Cannot stage/);
  });
});

describe("errors", () => {
  it("maps dockerode failures to sandbox codes", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), {
      code: "ECONNREFUSED",
    });
    expect(toSandboxError(refused, "SANDBOX_CREATE_FAILED", "create")).toMatchObject({
      code: "SANDBOX_UNAVAILABLE",
    });
    const noImage = toSandboxError(
      httpError(404, "No such image: x:y"),
      "SANDBOX_CREATE_FAILED",
      "c",
      {
        image: "x:y",
      },
    );
    expect(noImage).toMatchObject({
      code: "SANDBOX_IMAGE_MISSING",
      message: "Docker image x:y not found",
    });
    expect(noImage.hint).toMatch(/sandcaster image build/);
    expect(
      toSandboxError(httpError(404, "No such container: abc"), "SANDBOX_IO_FAILED", "read"),
    ).toMatchObject({ code: "SANDBOX_DESTROYED" });
    expect(
      toSandboxError(httpError(409, "Container abc is not running"), "SANDBOX_EXEC_FAILED", "exec"),
    ).toMatchObject({ code: "SANDBOX_DESTROYED" });
    expect(toSandboxError(httpError(500, "boom"), "SANDBOX_IO_FAILED", "write")).toMatchObject({
      code: "SANDBOX_IO_FAILED",
    });
  });
});

describe("client options", () => {
  it("understands socket paths and daemon URLs", () => {
    expect(dockerClientOptions(undefined)).toBeUndefined();
    expect(dockerClientOptions("/run/docker.sock")).toEqual({ socketPath: "/run/docker.sock" });
    expect(dockerClientOptions("unix:///run/docker.sock")).toEqual({
      socketPath: "/run/docker.sock",
    });
    expect(dockerClientOptions("tcp://10.0.0.2:2375")).toEqual({
      protocol: "http",
      host: "10.0.0.2",
      port: "2375",
    });
    expect(dockerClientOptions("https://docker.example")).toMatchObject({
      protocol: "https",
      port: 2376,
    });
  });

  it("does no I/O at construction", () => {
    const touched: string[] = [];
    const docker = new Proxy({} as Dockerode, {
      get: (_target, property) => {
        touched.push(String(property));
        return () => Promise.reject(new Error("no I/O expected"));
      },
    });
    const provider = createDockerProvider({ docker, image: "img" });
    expect(provider.name).toBe("docker");
    expect(touched).toEqual([]);
  });
});
