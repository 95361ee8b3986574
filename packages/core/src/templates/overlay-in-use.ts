// Whether any sandbox on this host still runs from a local template's overlay, whichever server
// process started it: under a root server the overlay is bind-mounted into the sandbox's dir (a
// mount on this host whose directory is the overlay's own inode); otherwise bubblewrap binds its
// dirs, and the overlay's path is on bwrap's command line for as long as the sandbox lives.
import { readdir, readFile, stat } from "node:fs/promises";

/** Mount points in /proc/self/mountinfo (octal escapes such as \040 decoded). */
async function mountPoints(): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  const points: string[] = [];
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field) {
      points.push(
        field.replace(/\\([0-7]{3})/g, (_, code: string) => String.fromCharCode(parseInt(code, 8))),
      );
    }
  }
  return points;
}

async function isMounted(root: string): Promise<boolean> {
  const target = await stat(root).catch(() => undefined);
  if (!target) return false;
  for (const point of await mountPoints()) {
    // Only sandbox dirs' mounts can be a template's; stat()ing every mount could hang on a dead NFS.
    if (!point.includes("/sandcaster-local-")) continue;
    const mounted = await stat(point).catch(() => undefined);
    if (mounted && mounted.dev === target.dev && mounted.ino === target.ino) return true;
  }
  return false;
}

async function isOnACommandLine(root: string): Promise<boolean> {
  const prefix = `${root}/`;
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(root)) continue;
    if (cmdline.split("\0").some((arg) => arg === root || arg.startsWith(prefix))) return true;
  }
  return false;
}

/** True while a sandbox on this host runs from the overlay at `root` (`<dir>/<id>/root`). */
export async function overlayInUse(root: string): Promise<boolean> {
  return (await isMounted(root)) || (await isOnACommandLine(root));
}
