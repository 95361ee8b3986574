// normalizeWorkspaceTar(): session archives are checked and re-packed on the host.
import { Readable } from "node:stream";
import { extract, pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { normalizeWorkspaceTar } from "../../src/providers/e2b/workspace-tar.js";

type Header = Parameters<ReturnType<typeof pack>["entry"]>[0];

async function tarOf(entries: { header: Header; content?: Uint8Array }[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const ended = new Promise<void>((resolve) => archive.on("end", () => resolve()));
  for (const { header, content } of entries) {
    archive.entry(header, Buffer.from(content ?? new Uint8Array()));
  }
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

async function listing(archive: Uint8Array) {
  const out: { name: string; type: string; mode: number; content: number[] }[] = [];
  const extractor = extract();
  Readable.from([Buffer.from(archive)]).pipe(extractor);
  for await (const entry of extractor) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const { name, type, mode } = entry.header;
    out.push({ name, type: type ?? "?", mode: mode ?? 0, content: [...Buffer.concat(chunks)] });
  }
  return out;
}

const action = "import the session workspace";

describe("normalizeWorkspaceTar", () => {
  it("keeps files (binary) and directories with clean relative names and safe modes", async () => {
    const archive = await tarOf([
      { header: { name: "./", type: "directory", mode: 0o755 } },
      { header: { name: "./d", type: "directory", mode: 0o555 } },
      { header: { name: "./d/x.bin", mode: 0o4755 }, content: Uint8Array.from([0, 255, 10]) },
      { header: { name: "a//b.txt", mode: 0o600 }, content: new TextEncoder().encode("b") },
      { header: { name: "a//b.txt", mode: 0o644 }, content: new TextEncoder().encode("again") },
    ]);
    expect(await listing(await normalizeWorkspaceTar(archive, action))).toEqual([
      { name: "d/", type: "directory", mode: 0o755, content: [] },
      { name: "d/x.bin", type: "file", mode: 0o755, content: [0, 255, 10] },
      {
        name: "a/b.txt",
        type: "file",
        mode: 0o644,
        content: [...new TextEncoder().encode("again")],
      },
    ]);
  });

  it("accepts an empty archive", async () => {
    expect(await listing(await normalizeWorkspaceTar(await tarOf([]), action))).toEqual([]);
  });

  it.each([
    [{ name: "/etc/passwd" }, /absolute path/],
    [{ name: "a/../../x" }, /'\.\.'/],
    [{ name: "..", type: "directory" as const }, /'\.\.'/],
    [{ name: "link", type: "symlink" as const, linkname: "/etc" }, /is a symlink/],
    [{ name: "hard", type: "link" as const, linkname: "a" }, /is a link/],
    [{ name: "fifo", type: "fifo" as const }, /is a fifo/],
  ])("refuses %o", async (header, message) => {
    const archive = await tarOf([
      { header: { name: "ok.txt" }, content: new Uint8Array(1) },
      { header },
    ]);
    const error = await normalizeWorkspaceTar(archive, action).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "SANDBOX_INVALID_ARCHIVE",
      message: expect.stringMatching(message),
    });
    expect((error as Error).message).toContain(JSON.stringify(header.name));
  });

  it("refuses what is not a tar archive", async () => {
    const error = await normalizeWorkspaceTar(
      new TextEncoder().encode("x".repeat(700)),
      action,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "SANDBOX_INVALID_ARCHIVE",
      message: expect.stringMatching(/not a valid tar/),
    });
  });
});
