// Shared helpers of the local provider tests: stream reading, host /proc scans, temp dirs.
import { chmod, mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxLimits } from "../../src/sandbox/sandbox.js";

export const LIMITS: SandboxLimits = {
  memoryMb: 512,
  cpus: 1,
  pids: 256,
  timeoutMs: 60_000,
  network: "none",
};

export async function makeBaseDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-local-test-"));
  // Under a root server, bwrap runs as the sandbox user, who must walk down to the sandbox dirs.
  await chmod(dir, 0o711);
  return dir;
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return Buffer.from(await readAll(stream)).toString("utf8");
}

/** Reads until `text` appeared, then releases the reader (the rest stays readable). */
export async function readUntil(stream: ReadableStream<Uint8Array>, text: string): Promise<string> {
  const reader = stream.getReader();
  let seen = "";
  try {
    while (!seen.includes(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += Buffer.from(value).toString("utf8");
    }
  } finally {
    reader.releaseLock();
  }
  return seen;
}

/** Host pids whose cmdline contains `marker` and that are alive (zombies count as dead). */
export async function livePidsWithMarker(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8");
      if (!cmdline.split("\0").some((arg) => arg.includes(marker))) continue;
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      if (state !== "Z" && state !== "X") pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

export function uniqueSleepArg(): string {
  // `sleep 1000.<digits>`: a valid duration that doubles as a unique marker in /proc/*/cmdline.
  return `1000.${Date.now()}${Math.floor(Math.random() * 1e6)}`;
}

/** A node script that starts three `sleep <marker>` children (the last in its own session). */
export const SPAWN_TREE_SCRIPT = `
const { spawn } = require("node:child_process");
const marker = process.argv[1];
for (let i = 0; i < 3; i++) spawn("sleep", [marker], { stdio: "ignore", detached: i === 2 });
setTimeout(() => console.log("ready"), 200);
setInterval(() => {}, 1000);
`;

export function signal(): AbortSignal {
  return new AbortController().signal;
}
