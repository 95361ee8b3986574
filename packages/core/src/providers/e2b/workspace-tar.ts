// normalizeWorkspaceTar(): a session archive checked and re-packed on the host (files and dirs, safe paths).
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-stream";
import { SandboxError } from "../../sandbox/sandbox-error.js";
import { packEntries, type TarEntry } from "../docker/tar.js";

/** Why an archive was refused: the offending entry and the rule it breaks. */
function refuse(action: string, name: string, why: string): SandboxError {
  return new SandboxError(
    "SANDBOX_INVALID_ARCHIVE",
    `Cannot ${action}: archive entry ${JSON.stringify(name)} ${why}`,
  );
}

/** The entry's path relative to the workspace ("" for the workspace itself), or why it is refused. */
function relativeName(name: string): string | { why: string } {
  if (name.startsWith("/")) return { why: "is an absolute path" };
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return { why: "contains '..'" };
  return parts.join("/");
}

/**
 * Reads a tar archive (ustar, pax or GNU) of a workspace and re-packs it with relative,
 * normalized names: regular files (mode kept, without setuid/setgid/sticky) and directories
 * (always owner-writable, so that extraction can fill them). Anything else, an absolute path or a
 * `..` component makes it throw SANDBOX_INVALID_ARCHIVE naming the entry, before anything is written.
 */
export async function normalizeWorkspaceTar(archive: Uint8Array, action: string): Promise<Buffer> {
  // By name: a later entry replaces an earlier one, as when tar extracts them in order.
  const entries = new Map<string, TarEntry>();
  const extractor = extract();
  const consume = (async () => {
    for await (const entry of extractor) {
      const { header } = entry;
      const name = relativeName(header.name);
      if (typeof name !== "string") throw refuse(action, header.name, name.why);
      const isFile = header.type === "file" || header.type === "contiguous-file";
      if (!isFile && header.type !== "directory") {
        throw refuse(action, header.name, `is a ${header.type ?? "special entry"}`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (name === "") continue;
      const mode = (header.mode ?? (isFile ? 0o644 : 0o755)) & 0o777;
      const base = { uid: 0, gid: 0, ...(header.mtime ? { mtime: header.mtime } : {}) };
      entries.delete(name);
      entries.set(
        name,
        isFile
          ? { ...base, name, type: "file", mode, content: Buffer.concat(chunks) }
          : { ...base, name: `${name}/`, type: "directory", mode: mode | 0o700 },
      );
    }
  })();
  const feed = pipeline(Readable.from([Buffer.from(archive)]), extractor);
  try {
    await Promise.all([consume, feed]);
  } catch (error) {
    extractor.destroy();
    if (SandboxError.isInstance(error)) throw error;
    throw new SandboxError(
      "SANDBOX_INVALID_ARCHIVE",
      `Cannot ${action}: not a valid tar archive (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  return packEntries([...entries.values()]);
}
