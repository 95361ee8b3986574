// Session workspace archive fixtures shared by the provider tests: hand-made tars and their contents.

import { Readable } from "node:stream";
import { pack } from "tar-stream";
import {
  completeTree,
  forEachWorkspaceEntry,
  type WorkspaceEntry,
} from "../src/providers/workspace-tar.js";

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

/** Bytes as the stream importWorkspace takes. */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([Buffer.from(bytes)]).stream();
}

/** A whole archive stream's bytes (small test archives only). */
export async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** An archive's entries, strictly checked, with their contents (small test archives only). */
export async function readTar(
  tar: Uint8Array | ReadableStream<Uint8Array>,
  options: { strict: boolean; root?: string } = { strict: true },
): Promise<(WorkspaceEntry & { content?: Uint8Array })[]> {
  const bytes = tar instanceof Uint8Array ? tar : await bytesOf(tar);
  const entries = new Map<string, WorkspaceEntry & { content?: Uint8Array }>();
  await forEachWorkspaceEntry(Readable.from([Buffer.from(bytes)]), options, async (c, body) => {
    if (c.kind !== "entry") return;
    const chunks: Buffer[] = [];
    if (c.entry.type === "file") for await (const chunk of body) chunks.push(chunk as Buffer);
    entries.set(c.entry.path, {
      ...c.entry,
      ...(c.entry.type === "file" ? { content: Buffer.concat(chunks) } : {}),
    });
  });
  return completeTree(entries);
}

/** An archive's entries as `path → "dir 755" | "file 644 <hex>"`, for exact comparisons. */
export async function describeTar(
  tar: Uint8Array | ReadableStream<Uint8Array>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readTar(tar)) {
    const mode = entry.mode.toString(8);
    out[entry.path] =
      entry.type === "directory"
        ? `dir ${mode}`
        : `file ${mode} ${Buffer.from(entry.content ?? []).toString("hex")}`;
  }
  return out;
}
