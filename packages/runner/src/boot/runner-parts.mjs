// Reads a built runner file's header (code-cache-file.mjs's layout) without running it: its build
// id, the runtime its caches were made on, and where each packed part lies. For tools that derive
// something from the file, such as a startup snapshot (snapshot-entry.mjs).
import { gunzipSync } from "node:zlib";

/** The loader, with its table, is a few KB; the parts follow it. */
const HEADER_BYTES = 16_384;

/**
 * `file`: the runner file's bytes. Throws on a file that is not a built runner (no build line, no
 * parts table), so nothing is derived from a file this code does not understand.
 */
export function runnerHeader(file) {
  const head = file.latin1Slice(0, Math.min(file.length, HEADER_BYTES));
  const buildId = head.match(/^\/\/ build ([0-9a-f]{32})$/m)?.[1];
  const table = head.match(/^const PARTS = \{\n([\s\S]*?)\n\};$/m)?.[1];
  const runtime = head.match(/^const cacheRuntime = ("[^"\n]*");$/m)?.[1];
  if (!buildId || !table || runtime === undefined)
    throw new Error("not a built runner file (no build id, parts table or cache runtime)");
  const parts = {};
  for (const line of table.split("\n")) {
    const m = line.match(/^ {2}("[^"]+"): \[\s*(\d+),\s*(\d+),\s*(\d+)\],$/);
    if (!m) throw new Error(`not a built runner file (parts table line: ${line.slice(0, 80)})`);
    parts[JSON.parse(m[1])] = [Number(m[2]), Number(m[3]), Number(m[4])];
  }
  return { buildId, cacheRuntime: JSON.parse(runtime), parts };
}

/** One part's bytes, unpacked. */
export function unpackPart(file, header, name) {
  const range = header.parts[name];
  if (!range) throw new Error(`the runner file has no part ${name}`);
  const [from, to, size] = range;
  return gunzipSync(Buffer.from(file.latin1Slice(from, to), "base64"), {
    chunkSize: Math.max(size, 64),
  });
}
