// `sandcaster agents deploy ./dir`: the directory's manifest (sandcaster-agent.json) and its code
// as a tar. node_modules and .git are left out at any depth (the server installs dependencies
// from the lockfile at deploy); symlinks are left out too (the server takes files and directories
// only). Entries are sorted with a fixed mtime, so the same code gives the same archive.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { type AgentManifestInput, AgentManifestSchema } from "@sandcaster/protocol";
import { pack } from "tar-stream";
import { UsageError } from "../exit-codes.js";

export const MANIFEST_FILE = "sandcaster-agent.json";
const IGNORED = new Set(["node_modules", ".git"]);
/** The server takes 12 MiB of base64: about 9 MiB of tar. */
const MAX_TAR_BYTES = 9 * 1024 * 1024;

export interface AgentDirectory {
  manifest: AgentManifestInput;
  archive: Uint8Array;
  files: number;
  skipped: string[];
}

export async function readManifest(dir: string): Promise<AgentManifestInput> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(
      `${path} is missing: an agent directory needs ${MANIFEST_FILE} ({"name", "entrypoint", …})`,
      "agents",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not JSON (${(error as Error).message})`, "agents");
  }
  const checked = AgentManifestSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue?.path.join(".") || "(manifest)";
    throw new UsageError(`${path}: ${field}: ${issue?.message ?? "invalid"}`, "agents");
  }
  // Sent as written: the server parses it again (and owns the defaults).
  return value as AgentManifestInput;
}

async function walk(root: string, dir: string, into: string[], skipped: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (IGNORED.has(entry.name)) continue;
    if (entry.isDirectory()) {
      into.push(path);
      await walk(root, path, into, skipped);
    } else if (entry.isFile()) into.push(path);
    else skipped.push(relative(root, path));
  }
}

export async function packAgentDirectory(dir: string): Promise<AgentDirectory> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dir} is not a directory`, "agents");
  const manifest = await readManifest(dir);
  const paths: string[] = [];
  const skipped: string[] = [];
  await walk(dir, dir, paths, skipped);
  const tar = pack();
  const chunks: Buffer[] = [];
  let size = 0;
  tar.on("data", (data: unknown) => {
    const chunk = data as Buffer;
    chunks.push(chunk);
    size += chunk.length;
  });
  const ended = new Promise<void>((resolve, reject) => {
    tar.on("end", resolve);
    tar.on("error", reject);
  });
  let files = 0;
  const mtime = new Date(0);
  for (const path of paths) {
    const name = relative(dir, path).split(sep).join("/");
    const entry = await stat(path);
    if (entry.isDirectory()) {
      tar.entry({ name: `${name}/`, type: "directory", mode: 0o755, mtime });
      continue;
    }
    const mode = entry.mode & 0o111 ? 0o755 : 0o644;
    tar.entry({ name, type: "file", mode, mtime }, await readFile(path));
    files += 1;
    if (size > MAX_TAR_BYTES) break;
  }
  tar.finalize();
  await ended;
  if (size > MAX_TAR_BYTES) {
    throw new UsageError(
      `${dir} holds more than ${MAX_TAR_BYTES / 1024 / 1024} MiB (node_modules and .git left out): leave build output and data out of the agent's directory`,
      "agents",
    );
  }
  return { manifest, archive: new Uint8Array(Buffer.concat(chunks)), files, skipped };
}
