// Session workspace archives, provider-neutral: the one reader that checks every tar entry.
//
// Every provider reads workspace archives through here, strict for what a client uploads (regular
// files and directories only) and lenient for what a sandbox left behind (links and devices are
// skipped). Entries are streamed: no file's content is ever held whole in memory.
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, type Header } from "tar-stream";
import { SandboxError } from "../sandbox/sandbox-error.js";

export interface WorkspaceEntry {
  /** Relative to the workspace: POSIX separators, normalized, no trailing slash. */
  path: string;
  type: "file" | "directory";
  /** Permission bits only: setuid, setgid and sticky never survive. */
  mode: number;
  /** Files: the content's length in bytes. */
  size: number;
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
   * sandbox left behind): symlinks and devices are skipped, hard links are reported.
   */
  strict: boolean;
}

/** One archive entry, checked. */
export type CheckedEntry =
  | { kind: "entry"; entry: WorkspaceEntry }
  /** A hard link (lenient reads only): `path` should hold what `target` holds. */
  | { kind: "hardlink"; path: string; target: string }
  /** The workspace itself, a symlink, a device: nothing to keep. */
  | { kind: "skip" };

export function refuseEntry(name: string, why: string): SandboxError {
  return new SandboxError(
    "SANDBOX_INVALID_ARCHIVE",
    `Workspace archive entry ${JSON.stringify(name)} refused: ${why}`,
  );
}

/** The entry's path relative to the workspace; "" for the workspace itself. Throws when unsafe. */
export function workspaceEntryPath(name: string, root?: string): string {
  let rel = name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  if (rel.startsWith("/")) throw refuseEntry(name, "absolute path");
  if (rel.includes("\0")) throw refuseEntry(name, "NUL byte in the name");
  if (root !== undefined) {
    if (rel === root) return "";
    if (!rel.startsWith(`${root}/`)) throw refuseEntry(name, `outside ${root}/`);
    rel = rel.slice(root.length + 1);
  }
  if (rel === "" || rel === ".") return "";
  const parts = rel.split("/");
  if (parts.includes("..")) throw refuseEntry(name, "`..` in the path");
  if (parts.some((part) => part === "" || part === ".")) {
    throw refuseEntry(name, "path not normalized");
  }
  return rel;
}

/** Checks one header against the rules of `options`; throws SANDBOX_INVALID_ARCHIVE naming it. */
export function checkEntry(header: Header, options: ReadWorkspaceTarOptions): CheckedEntry {
  const path = workspaceEntryPath(header.name, options.root);
  const isFile = header.type === "file" || header.type === "contiguous-file";
  if (!isFile && header.type !== "directory") {
    if (options.strict) {
      throw refuseEntry(
        header.name,
        `${header.type} entries are not allowed (files and directories only)`,
      );
    }
    if (header.type === "link" && header.linkname && path !== "") {
      return { kind: "hardlink", path, target: workspaceEntryPath(header.linkname, options.root) };
    }
    return { kind: "skip" };
  }
  if (path === "") return { kind: "skip" };
  const mtime = header.mtime ? { mtime: header.mtime } : {};
  const mode = (header.mode ?? (isFile ? 0o644 : 0o755)) & 0o777;
  return isFile
    ? { kind: "entry", entry: { path, type: "file", mode, size: header.size ?? 0, ...mtime } }
    : // Always owner-writable: extraction must be able to fill it.
      { kind: "entry", entry: { path, type: "directory", mode: mode | 0o700, size: 0, ...mtime } };
}

/**
 * Reads a tar stream entry by entry. `visit` gets each checked entry and, for files, the content
 * stream; whatever it does not read is skipped. Unreadable archives throw SANDBOX_INVALID_ARCHIVE.
 */
export async function forEachWorkspaceEntry(
  source: Readable | NodeJS.ReadableStream,
  options: ReadWorkspaceTarOptions,
  visit: (checked: CheckedEntry, body: Readable) => Promise<void>,
): Promise<void> {
  const extractor = extract();
  const consume = (async () => {
    for await (const body of extractor) {
      const checked = checkEntry(body.header, options);
      await visit(checked, body as unknown as Readable);
      body.resume();
    }
  })();
  const feed = pipeline(source, extractor);
  try {
    await Promise.all([consume, feed]);
  } catch (error) {
    extractor.destroy();
    consume.catch(() => undefined);
    feed.catch(() => undefined);
    if (SandboxError.isInstance(error)) throw error;
    if (error instanceof Error && error.name === "AbortError") throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new SandboxError("SANDBOX_INVALID_ARCHIVE", `Not a valid tar archive: ${why}`, {
      cause: error,
    });
  }
}

const byPath = (a: WorkspaceEntry, b: WorkspaceEntry) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/**
 * The final tree of an archive's entries (a later entry replaces an earlier one of the same path):
 * missing parent directories added, a file that is also some entry's parent refused, sorted so
 * that every directory comes before what it holds.
 */
export function completeTree(entries: Map<string, WorkspaceEntry>): WorkspaceEntry[] {
  for (const path of [...entries.keys()]) {
    for (let slash = path.indexOf("/"); slash > 0; slash = path.indexOf("/", slash + 1)) {
      const parent = path.slice(0, slash);
      const existing = entries.get(parent);
      if (existing?.type === "file") throw refuseEntry(path, `its parent ${parent} is a file`);
      if (!existing) entries.set(parent, { path: parent, type: "directory", mode: 0o755, size: 0 });
    }
  }
  return [...entries.values()].sort(byPath);
}
