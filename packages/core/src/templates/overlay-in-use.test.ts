// overlayInUse's two ways of seeing a sandbox that runs from an overlay: as bubblewrap's command
// line (how a non-root server's sandboxes hold it; tests run as root, so here a process whose
// arguments name a path in the overlay stands in for bwrap) and as a mount (root only).
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { overlayInUse } from "./overlay-in-use.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sandcaster-overlay-in-use-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process that holds `args` on its command line until killed. */
async function holding(args: string[]) {
  // After "--", Node takes bwrap's options as arguments, not as its own.
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "--", ...args], {
    stdio: "ignore",
  });
  await new Promise((resolve, reject) => child.once("spawn", resolve).once("error", reject));
  return {
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

it("sees a process whose command line binds a path of the overlay, until it ends", async () => {
  const root = join(dir, "tpl_a", "root");
  await mkdir(root, { recursive: true });
  expect(await overlayInUse(root)).toBe(false);
  const bwrapLike = await holding(["--ro-bind", `${root}/opt/tools`, "/opt/tools"]);
  try {
    expect(await overlayInUse(root)).toBe(true);
  } finally {
    await bwrapLike.kill();
  }
  expect(await overlayInUse(root)).toBe(false);
});

it("is not fooled by another overlay whose path starts the same", async () => {
  const root = join(dir, "tpl_a", "root");
  await mkdir(root, { recursive: true });
  const other = await holding(["--ro-bind", `${root}-other/opt`, "/opt", `${root}x`]);
  try {
    expect(await overlayInUse(root)).toBe(false);
    // The overlay's root itself, as an argument, counts.
    const exact = await holding(["--ro-bind", root, "/opt"]);
    expect(await overlayInUse(root)).toBe(true);
    await exact.kill();
  } finally {
    await other.kill();
  }
});
