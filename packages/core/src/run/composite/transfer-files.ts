// transfer_files: copies workspace files from one sandbox to another, binary-safe and size-capped.
// Bytes travel through processes in the sandboxes (stdout out, stdin in), so neither sandbox's
// "changed since staging" baseline moves and a copied file counts as the run's own output.
import { posix } from "node:path";
import type { Sandbox } from "../../sandbox/sandbox.js";

const READ_SCRIPT = `
const fs = require("node:fs");
const [path, max] = process.argv.slice(1);
let stat;
try { stat = fs.statSync(path); } catch { process.stderr.write("no such file"); process.exit(3); }
if (!stat.isFile()) { process.stderr.write("not a regular file"); process.exit(3); }
if (stat.size > Number(max)) { process.stderr.write("too large"); process.exit(4); }
fs.createReadStream(path).pipe(process.stdout);
`;

const WRITE_SCRIPT = `
const fs = require("node:fs");
const path = process.argv[1];
fs.mkdirSync(require("node:path").dirname(path), { recursive: true });
const out = fs.createWriteStream(path);
process.stdin.pipe(out);
out.on("close", () => process.exit(0));
out.on("error", (e) => { process.stderr.write(String(e.message)); process.exit(5); });
`;

export class TransferError extends Error {}

/** A workspace-relative path, normalised; absolute paths and `..` are refused. */
export function workspacePath(path: string): string {
  const normal = posix.normalize(path.replaceAll("\\", "/"));
  if (path.startsWith("/") || normal === "." || normal === ".." || normal.startsWith("../")) {
    throw new TransferError(`refused path "${path}": use a path relative to the workspace`);
  }
  return normal;
}

async function collect(stream: ReadableStream<Uint8Array>, max: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > max) throw new TransferError("the file grew beyond the transfer limit while read");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readOne(sandbox: Sandbox, rel: string, max: number, signal: AbortSignal) {
  const process = await sandbox.spawn({
    command: [
      sandbox.nodePath,
      "-e",
      READ_SCRIPT,
      posix.join(sandbox.workspacePath, rel),
      String(max),
    ],
    env: {},
    signal,
  });
  const [content, stderr] = await Promise.all([
    collect(process.stdout, max),
    collect(process.stderr, 64 * 1024),
  ]);
  const exit = await process.wait();
  if (exit.exitCode === 4) throw new TransferError(`"${rel}" is larger than the transfer limit`);
  if (exit.exitCode !== 0) {
    throw new TransferError(`cannot read "${rel}": ${stderr.toString("utf8").trim() || "failed"}`);
  }
  return content;
}

async function writeOne(sandbox: Sandbox, rel: string, content: Buffer, signal: AbortSignal) {
  const process = await sandbox.spawn({
    command: [sandbox.nodePath, "-e", WRITE_SCRIPT, posix.join(sandbox.workspacePath, rel)],
    env: {},
    stdin: true,
    signal,
  });
  if (!process.stdin) {
    await process.kill();
    throw new TransferError(`the ${sandbox.provider} sandbox cannot receive files`);
  }
  const writer = process.stdin.getWriter();
  const [stderr] = await Promise.all([
    collect(process.stderr, 64 * 1024),
    collect(process.stdout, 64 * 1024),
    (async () => {
      await writer.write(content);
      await writer.close();
    })(),
  ]);
  const exit = await process.wait();
  if (exit.exitCode !== 0) {
    throw new TransferError(`cannot write "${rel}": ${stderr.toString("utf8").trim() || "failed"}`);
  }
}

/** Copies `paths` from → to; at most `maxBytes` in all. Returns what was copied. */
export async function transferFiles(
  from: Sandbox,
  to: Sandbox,
  paths: readonly string[],
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ files: number; bytes: number }> {
  const rels = [...new Set(paths.map(workspacePath))];
  let bytes = 0;
  for (const rel of rels) {
    signal.throwIfAborted();
    const content = await readOne(from, rel, maxBytes - bytes, signal);
    bytes += content.byteLength;
    await writeOne(to, rel, content, signal);
  }
  return { files: rels.length, bytes };
}
