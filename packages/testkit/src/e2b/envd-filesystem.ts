// envd's filesystem.Filesystem Connect service (JSON codec) over a sandbox's host-mapped root.
import type { Stats } from "node:fs";
import { lstat, mkdir, readdir, readlink, rename, rm } from "node:fs/promises";
import { posix } from "node:path";
import { ConnectRpcError } from "./connect-envelope.js";
import { resolvePath, type SandboxRecord } from "./sandbox-registry.js";

function fileType(stats: Stats): string {
  if (stats.isSymbolicLink()) return "FILE_TYPE_SYMLINK";
  if (stats.isDirectory()) return "FILE_TYPE_DIRECTORY";
  return "FILE_TYPE_FILE";
}

/** Go's FileMode.String(), e.g. "drwxr-xr-x". */
function permissions(stats: Stats): string {
  const kind = stats.isSymbolicLink() ? "L" : stats.isDirectory() ? "d" : "-";
  const bits = "rwxrwxrwx";
  let out = kind;
  for (let i = 0; i < 9; i++) out += stats.mode & (1 << (8 - i)) ? bits[i] : "-";
  return out;
}

/** A proto3-JSON EntryInfo: int64 as string, enums by name, Timestamp as RFC 3339. */
async function entryInfo(sandboxPath: string, hostPath: string, stats: Stats) {
  const owner = sandboxPath.startsWith("/home/user") ? "user" : "root";
  return {
    name: posix.basename(sandboxPath) || "/",
    type: fileType(stats),
    path: sandboxPath,
    size: String(stats.size),
    mode: stats.mode & 0o7777,
    permissions: permissions(stats),
    owner,
    group: owner,
    modifiedTime: stats.mtime.toISOString(),
    ...(stats.isSymbolicLink() ? { symlinkTarget: await readlink(hostPath) } : {}),
  };
}

async function statOrNull(hostPath: string): Promise<Stats | null> {
  try {
    return await lstat(hostPath);
  } catch {
    return null;
  }
}

function stringField(message: Record<string, unknown>, key: string): string {
  const value = message[key];
  if (typeof value !== "string")
    throw new ConnectRpcError("invalid_argument", `${key} is required`);
  return value;
}

async function listDir(
  sandbox: SandboxRecord,
  sandboxPath: string,
  hostPath: string,
  depth: number,
): Promise<unknown[]> {
  const entries: unknown[] = [];
  const names = (await readdir(hostPath)).sort();
  for (const name of names) {
    const childSandbox = posix.join(sandboxPath, name);
    const childHost = resolvePath(sandbox, childSandbox, "root").hostPath;
    const stats = await statOrNull(childHost);
    if (!stats) continue;
    entries.push(await entryInfo(childSandbox, childHost, stats));
    if (depth > 1 && stats.isDirectory()) {
      entries.push(...(await listDir(sandbox, childSandbox, childHost, depth - 1)));
    }
  }
  return entries;
}

/** Answers one unary Filesystem call; throws ConnectRpcError for Connect error replies. */
export async function handleFilesystem(
  sandbox: SandboxRecord,
  method: string,
  message: Record<string, unknown>,
  user: string,
): Promise<unknown> {
  const resolve = (key: string) => resolvePath(sandbox, stringField(message, key), user);
  switch (method) {
    case "Stat": {
      const { sandboxPath, hostPath } = resolve("path");
      const stats = await statOrNull(hostPath);
      if (!stats) throw new ConnectRpcError("not_found", `file not found: ${sandboxPath}`);
      return { entry: await entryInfo(sandboxPath, hostPath, stats) };
    }
    case "ListDir": {
      const { sandboxPath, hostPath } = resolve("path");
      const depth = typeof message.depth === "number" && message.depth > 0 ? message.depth : 1;
      const stats = await statOrNull(hostPath);
      if (!stats) throw new ConnectRpcError("not_found", `path not found: ${sandboxPath}`);
      if (!stats.isDirectory()) {
        throw new ConnectRpcError("invalid_argument", `path is not a directory: ${sandboxPath}`);
      }
      return { entries: await listDir(sandbox, sandboxPath, hostPath, depth) };
    }
    case "MakeDir": {
      const { sandboxPath, hostPath } = resolve("path");
      const existing = await statOrNull(hostPath);
      if (existing?.isDirectory()) {
        throw new ConnectRpcError("already_exists", `directory already exists: ${sandboxPath}`);
      }
      if (existing) {
        throw new ConnectRpcError(
          "invalid_argument",
          `path already exists but it is not a directory: ${sandboxPath}`,
        );
      }
      await mkdir(hostPath, { recursive: true });
      return { entry: await entryInfo(sandboxPath, hostPath, await lstat(hostPath)) };
    }
    case "Remove": {
      const { hostPath } = resolve("path");
      await rm(hostPath, { recursive: true, force: true });
      return {};
    }
    case "Move": {
      const source = resolve("source");
      const destination = resolve("destination");
      if (!(await statOrNull(source.hostPath))) {
        throw new ConnectRpcError("not_found", `source file not found: ${source.sandboxPath}`);
      }
      await mkdir(posix.dirname(destination.hostPath), { recursive: true });
      await rename(source.hostPath, destination.hostPath);
      const stats = await lstat(destination.hostPath);
      return { entry: await entryInfo(destination.sandboxPath, destination.hostPath, stats) };
    }
    default:
      throw new ConnectRpcError(
        "unimplemented",
        `filesystem.Filesystem/${method} is not served by the E2B double`,
      );
  }
}
