// The disk limit of a run's workspace: a sparse ext4 image, loop-mounted (root only).
//
// Why an image and not a tmpfs: tmpfs pages are memory (charged to the sandbox's memory cgroup),
// so a 4 GB workspace would need 4 GB of RAM; a sparse image costs only what is written, lives on
// the host's disk, and is its own filesystem (hard links to host files are impossible from it).
import { execFile } from "node:child_process";
import { readFile, rmdir, statfs, truncate, writeFile } from "node:fs/promises";
import { posix } from "node:path";

const TOOL_TIMEOUT_MS = 30_000;
const TOOL_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: TOOL_TIMEOUT_MS, killSignal: "SIGKILL", env: { PATH: TOOL_DIRS.join(":") } },
      (error, _stdout, stderr) => {
        if (error)
          reject(new Error(`${posix.basename(file)}: ${String(stderr).trim() || error.message}`));
        else resolve();
      },
    );
  });
}

export interface VolumeOwner {
  uid: number;
  gid: number;
}

/**
 * Makes `image` (sparse, `sizeMb`) an ext4 filesystem whose root belongs to `owner` and mounts it
 * at `mountDir` (nosuid, nodev): writing past the size fails inside with ENOSPC.
 */
export async function mountWorkspaceVolume(
  image: string,
  mountDir: string,
  sizeMb: number,
  owner: VolumeOwner,
): Promise<void> {
  await writeFile(image, "", { mode: 0o600 });
  await truncate(image, sizeMb * 1024 * 1024);
  // No journal (a throwaway disk), no discard (slow on a sparse file), inode tables zeroed lazily
  // never (noinit_itable): the image stays sparse and mkfs takes a fraction of a second.
  await run("mkfs.ext4", [
    "-q",
    "-F",
    "-m",
    "0",
    "-O",
    "^has_journal",
    "-E",
    `root_owner=${owner.uid}:${owner.gid},lazy_itable_init=1,nodiscard`,
    image,
  ]);
  await run("mount", ["-t", "ext4", "-o", "loop,nosuid,nodev,noinit_itable", image, mountDir]);
  // An empty workspace, as without a limit.
  await rmdir(posix.join(mountDir, "lost+found")).catch(() => undefined);
}

/** Mounts an image mountWorkspaceVolume made earlier (its files kept) at `mountDir` again. */
export async function remountWorkspaceVolume(image: string, mountDir: string): Promise<void> {
  await run("mount", ["-t", "ext4", "-o", "loop,nosuid,nodev", image, mountDir]);
}

/**
 * Binds a session's workspace dir at `mountDir` inside the sandbox dir (nosuid, nodev): the
 * sandbox user then reaches it without walking the host path to the session store.
 */
export async function bindWorkspace(source: string, mountDir: string): Promise<void> {
  await run("mount", ["--bind", source, mountDir]);
  await run("mount", ["-o", "remount,bind,nosuid,nodev", mountDir]);
}

/** Mount points (decoded) at or under `dir`, deepest first, from /proc/self/mountinfo. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (!field) continue;
    const path = field.replace(/\\([0-7]{3})/g, (_m, oct: string) =>
      String.fromCharCode(Number.parseInt(oct, 8)),
    );
    if (path === dir || path.startsWith(`${dir}/`)) out.push(path);
  }
  return out.sort((a, b) => b.length - a.length);
}

/**
 * Unmounts everything under `dir` (lazily when busy: detached at once) so that it can be removed;
 * throws when something stays mounted: removing the tree would then delete a session's files.
 */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (const path of await mountsUnder(dir)) {
    await run("umount", [path]).catch(() => run("umount", ["-l", path]).catch(() => undefined));
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new Error(`still mounted: ${left.join(", ")}`);
}

/**
 * True when the filesystem at `dir` is full: less than 1 MiB (or 1%) left, where a writer past the
 * limit stops (ext4 keeps a few blocks it cannot hand out to a large write).
 */
export async function isVolumeFull(dir: string): Promise<boolean> {
  try {
    const stats = await statfs(dir);
    const left = stats.bavail * stats.bsize;
    return left < Math.max(1024 * 1024, (stats.blocks * stats.bsize) / 100);
  } catch {
    return false;
  }
}

/** Whether this host can mount workspace images: root, and mkfs.ext4 and mount are there. */
export function canMountVolumes(): boolean {
  return process.getuid?.() === 0;
}
