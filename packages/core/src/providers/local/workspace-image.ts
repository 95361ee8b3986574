// The disk limit of a session's workspace: a sparse ext4 image beside the workspace dir
// (`<dir>.img`). It is mounted on the dir only while something uses the workspace (a turn's
// sandbox, an export, an import) and unmounted after, so an idle session holds no loop device and
// no mount. Every turn writes into the same capped filesystem: a session never fills the host disk.
import { chmod, lstat, unlink } from "node:fs/promises";
import {
  canMountVolumes,
  mountsUnder,
  mountWorkspaceVolume,
  remountWorkspaceVolume,
  unmountAllUnder,
} from "./workspace-volume.js";

export const imageOf = (dir: string): string => `${dir}.img`;

async function isImageFile(path: string): Promise<boolean> {
  const stat = await lstat(path).catch(() => undefined);
  return stat?.isFile() === true;
}

/**
 * Gives a fresh, empty workspace dir a `sizeMb` image (made, then unmounted). False when this host
 * cannot (not root, no mkfs.ext4): the workspace stays a plain dir and every turn says so.
 */
export async function capWorkspaceDir(dir: string, sizeMb: number): Promise<boolean> {
  if (!canMountVolumes()) return false;
  try {
    // Root-owned like a fresh workspace dir; each turn gives it to the sandbox user.
    await mountWorkspaceVolume(imageOf(dir), dir, sizeMb, { uid: 0, gid: 0 });
    await chmod(dir, 0o755);
    await unmountAllUnder(dir);
    return true;
  } catch {
    await releaseWorkspaceImage(dir).catch(() => undefined);
    return false;
  }
}

/**
 * Mounts the workspace's image on its dir (already mounted, e.g. after a crash, is fine). False for
 * a workspace without an image (made where images could not be).
 */
export async function mountWorkspaceImage(dir: string): Promise<boolean> {
  if (!(await isImageFile(imageOf(dir)))) return false;
  if (!(await mountsUnder(dir)).includes(dir)) await remountWorkspaceVolume(imageOf(dir), dir);
  return true;
}

/** Unmounts the workspace's image (and anything under the dir); the files stay in the image. */
export async function unmountWorkspaceImage(dir: string): Promise<void> {
  await unmountAllUnder(dir);
}

/** Unmounts the workspace's image and deletes it; a workspace without one is left as it is. */
export async function releaseWorkspaceImage(dir: string): Promise<void> {
  await unmountAllUnder(dir);
  await unlink(imageOf(dir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}
