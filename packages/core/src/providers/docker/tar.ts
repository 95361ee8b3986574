// Tar archives for Docker's archive API: pack staged files, unpack single files within a byte budget.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { extract, pack } from "tar-stream";

export interface TarEntry {
  /** Path inside the archive, relative (no leading slash); directories may end with "/". */
  name: string;
  type: "file" | "directory";
  content?: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
}

/** Archive name (relative to "/") of an absolute container path. */
export const archiveName = (path: string) => path.replace(/^\/+/, "");

/**
 * The same entries named relative to `root` (every one must lie under it), for putArchive at
 * `root`: with a read-only root filesystem Docker only extracts into a path on a writable mount.
 */
export function rebased(entries: readonly TarEntry[], root: string): TarEntry[] {
  const prefix = `${archiveName(root)}/`;
  return entries.map((entry) => {
    if (!entry.name.startsWith(prefix)) throw new Error(`${entry.name} is not under ${root}`);
    return { ...entry, name: entry.name.slice(prefix.length) };
  });
}

/** Packs entries, in order, into one in-memory tar. */
export async function packEntries(entries: readonly TarEntry[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  for (const entry of entries) {
    const content = entry.type === "file" ? Buffer.from(entry.content ?? new Uint8Array()) : null;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: entry.name,
        type: entry.type,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        mtime: entry.mtime ?? new Date(),
        size: content?.length ?? 0,
      };
      const callback = (error?: Error | null) => (error ? reject(error) : resolve());
      if (content) archive.entry(header, content, callback);
      else archive.entry(header, callback);
    });
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Packs a directory tree (regular files and directories) as a build context. */
export async function packDirectory(root: string): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(join(root, relative))).sort();
    for (const name of names) {
      const rel = relative ? posix.join(relative, name) : name;
      const info = await stat(join(root, rel));
      const base = { mode: info.mode & 0o7777, uid: 0, gid: 0, mtime: info.mtime };
      if (info.isDirectory()) {
        entries.push({ ...base, name: `${rel}/`, type: "directory" });
        await walk(rel);
      } else if (info.isFile()) {
        entries.push({
          ...base,
          name: rel,
          type: "file",
          content: await readFile(join(root, rel)),
        });
      }
    }
  };
  await walk("");
  return packEntries(entries);
}

export type SingleFileResult =
  | { kind: "file"; content: Buffer }
  | { kind: "too_large"; size: number }
  | { kind: "missing" };

/**
 * Reads the first regular file of a tar stream (what getArchive returns for a file path), but only
 * when its size is at most `maxBytes`: larger files are never buffered, the stream is dropped.
 */
export async function readSingleFile(
  archive: NodeJS.ReadableStream,
  maxBytes: number,
): Promise<SingleFileResult> {
  const extractor = extract();
  let result: SingleFileResult = { kind: "missing" };
  const source = archive as NodeJS.ReadableStream & { destroy?: () => void };
  const consume = (async () => {
    for await (const entry of extractor) {
      const size = entry.header.size ?? 0;
      if (result.kind !== "missing" || entry.header.type !== "file") {
        entry.resume();
        continue;
      }
      if (size > maxBytes) {
        result = { kind: "too_large", size };
        source.destroy?.();
        extractor.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      result = { kind: "file", content: Buffer.concat(chunks) };
    }
  })();
  const feed = pipeline(archive, extractor).catch((error: unknown) => {
    if (result.kind === "too_large") return;
    throw error;
  });
  await Promise.all([consume, feed]);
  return result;
}
