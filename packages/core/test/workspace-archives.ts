// Session workspace archive fixtures shared by the provider tests: hand-made tars and their contents.
import { pack } from "tar-stream";
import { readWorkspaceTar } from "../src/providers/workspace-tar.js";

export interface RawEntry {
  name: string;
  type: "file" | "directory" | "symlink" | "link";
  content?: string | Uint8Array;
  linkname?: string;
  mode?: number;
}

/** A tar with exactly these headers (nothing validated: tests feed hostile archives too). */
export async function rawTar(entries: readonly RawEntry[]): Promise<Uint8Array> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve) => archive.on("end", () => resolve()));
  for (const entry of entries) {
    const content = entry.content === undefined ? undefined : Buffer.from(entry.content);
    const header = {
      name: entry.name,
      type: entry.type,
      mode: entry.mode ?? (entry.type === "directory" ? 0o755 : 0o644),
      size: content?.length ?? 0,
      ...(entry.linkname ? { linkname: entry.linkname } : {}),
    };
    if (content) archive.entry(header, content);
    else archive.entry(header);
  }
  archive.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

/** Every byte 0..255 twice: a file that breaks anything text-minded. */
export const BINARY = new Uint8Array(Array.from({ length: 512 }, (_, i) => i % 256));

/** An archive's entries as `path → "dir 755" | "file 644 <hex>"`, for exact comparisons. */
export async function describeTar(tar: Uint8Array): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readWorkspaceTar(tar, { strict: true })) {
    const mode = entry.mode.toString(8);
    out[entry.path] =
      entry.type === "directory"
        ? `dir ${mode}`
        : `file ${mode} ${Buffer.from(entry.content ?? []).toString("hex")}`;
  }
  return out;
}
