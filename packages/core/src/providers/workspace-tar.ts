// Session workspace archives, provider-neutral: read a tar into validated entries, pack them back.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-stream";
import { SandboxError } from "../sandbox/sandbox-error.js";
import { packEntries, type TarEntry } from "./docker/tar.js";

export interface WorkspaceEntry {
  /** Relative to the workspace: POSIX separators, normalized, no trailing slash. */
  path: string;
  type: "file" | "directory";
  /** Permission bits only: setuid, setgid and sticky never survive. */
  mode: number;
  /** Files only. */
  content?: Uint8Array;
  mtime?: Date;
}

export interface ReadWorkspaceTarOptions {
  /**
   * Every name must lie under this archive directory, which is stripped (Docker's getArchive of
   * /workspace names its entries `workspace/...`). Default: names are already relative.
   */
  root?: string;
  /**
   * true (import): anything but regular files and directories is refused. false (export of what a
   * sandbox left behind): symlinks and devices are skipped, hard links become copies.
   */
  strict: boolean;
}

function refuse(name: string, why: string): SandboxError {
  return new SandboxError(
    "SANDBOX_INVALID_ARCHIVE",
    `Workspace archive entry ${JSON.stringify(name)} refused: ${why}`,
  );
}

/** The entry's path relative to the workspace; "" for the workspace itself. Throws when unsafe. */
export function workspaceEntryPath(name: string, root?: string): string {
  let rel = name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  if (rel.startsWith("/")) throw refuse(name, "absolute path");
  if (rel.includes("\0")) throw refuse(name, "NUL byte in the name");
  if (root !== undefined) {
    if (rel === root) return "";
    if (!rel.startsWith(`${root}/`)) throw refuse(name, `outside ${root}/`);
    rel = rel.slice(root.length + 1);
  }
  if (rel === "" || rel === ".") return "";
  const parts = rel.split("/");
  if (parts.includes("..")) throw refuse(name, "`..` in the path");
  if (parts.some((part) => part === "" || part === ".")) throw refuse(name, "path not normalized");
  return rel;
}

async function readBody(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Adds missing parent directories and refuses a file that is also some entry's parent. */
function completeTree(byPath: Map<string, WorkspaceEntry>): WorkspaceEntry[] {
  for (const path of [...byPath.keys()]) {
    for (let slash = path.indexOf("/"); slash > 0; slash = path.indexOf("/", slash + 1)) {
      const parent = path.slice(0, slash);
      const existing = byPath.get(parent);
      if (existing?.type === "file") throw refuse(path, `its parent ${parent} is a file`);
      if (!existing) byPath.set(parent, { path: parent, type: "directory", mode: 0o755 });
    }
  }
  // A parent's path is a prefix of its children's, so it sorts (and is created) first.
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Parses a workspace tar (bytes or a stream) into validated entries, sorted by path. */
export async function readWorkspaceTar(
  source: Uint8Array | NodeJS.ReadableStream,
  options: ReadWorkspaceTarOptions,
): Promise<WorkspaceEntry[]> {
  const extractor = extract();
  const byPath = new Map<string, WorkspaceEntry>();
  const consume = (async () => {
    for await (const entry of extractor) {
      const { header } = entry;
      const content = await readBody(entry);
      const path = workspaceEntryPath(header.name, options.root);
      if (path === "") continue;
      const mtime = header.mtime;
      const mode = (header.mode ?? 0o644) & 0o777;
      if (header.type === "file" || header.type === "contiguous-file") {
        byPath.set(path, { path, type: "file", mode, content, ...(mtime ? { mtime } : {}) });
      } else if (header.type === "directory") {
        byPath.set(path, {
          path,
          type: "directory",
          mode: mode | 0o700,
          ...(mtime ? { mtime } : {}),
        });
      } else if (options.strict) {
        throw refuse(
          header.name,
          `${header.type} entries are not allowed (files and directories only)`,
        );
      } else if (header.type === "link" && header.linkname) {
        const target = byPath.get(workspaceEntryPath(header.linkname, options.root));
        if (target?.type === "file") byPath.set(path, { ...target, path });
      }
    }
  })().catch((error: unknown) => {
    extractor.destroy();
    throw error;
  });
  const input = source instanceof Uint8Array ? Readable.from([Buffer.from(source)]) : source;
  const feed = pipeline(input, extractor);
  try {
    await Promise.all([consume, feed]);
  } catch (error) {
    if (SandboxError.isInstance(error)) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new SandboxError("SANDBOX_INVALID_ARCHIVE", `Not a valid tar archive: ${why}`, {
      cause: error,
    });
  }
  return completeTree(byPath);
}

/** Entries as tar entries under `prefix` (e.g. "workspace/"; "" for relative names). */
export function toTarEntries(
  entries: readonly WorkspaceEntry[],
  owner: { uid: number; gid: number; prefix: string },
): TarEntry[] {
  return entries.map((entry) => ({
    name: `${owner.prefix}${entry.path}${entry.type === "directory" ? "/" : ""}`,
    type: entry.type,
    mode: entry.mode,
    uid: owner.uid,
    gid: owner.gid,
    ...(entry.type === "file" ? { content: entry.content ?? new Uint8Array() } : {}),
    ...(entry.mtime ? { mtime: entry.mtime } : {}),
  }));
}

/** The export format: relative names, files and directories only, owned by the sandbox user. */
export async function packWorkspaceTar(
  entries: readonly WorkspaceEntry[],
  owner: { uid: number; gid: number },
): Promise<Uint8Array> {
  return new Uint8Array(await packEntries(toTarEntries(entries, { ...owner, prefix: "" })));
}
