// Build time: writes dist/runner.mjs, the ONE file a sandbox receives: a small ESM loader, then
// the bundled runner (CommonJS) and V8's code cache for it, each gzipped and base64'd in a
// trailing comment. The loader reads them back and compiles the bundle with the cache, so a cold
// boot neither parses ~3 MB of JS nor compiles the functions the build's run used.
// Why compressed: Node's ESM loader reads, decodes and scans every byte of the file before the
// loader runs (~3 passes over it), so each MB costs every run; inflating costs less (measured: gzip
// inflates ~2x faster than brotli here, which its smaller output does not pay back). Its CRC also
// stops a damaged cache before V8 sees it.
// A cache made by another Node (the user-facing image's) is skipped without being decoded; one
// that does not decompress or that V8 rejects (other V8 flags, a damaged file) is ignored and the
// bundle compiles from source. Nothing is written at run time: each sandbox gets a fresh copy of
// this file, so no run leaves a cache behind for another.
import { constants, gzipSync } from "node:zlib";

// Node's own CommonJS wrapper, so the bundle's require() works.
const WRAPPER_HEAD = "(function (exports, require, module, __filename, __dirname) {\n";
const WRAPPER_TAIL = "\n})";
const OFFSET_WIDTH = 10;

/** The runtime a cache is valid for; the loader skips the cache on any other. */
export function cacheRuntime() {
  return `${process.version} ${process.arch}`;
}

/** What V8 compiles: the bundle in its wrapper (the cache is made for exactly this text). */
export function wrapBody(body) {
  return WRAPPER_HEAD + body + WRAPPER_TAIL;
}

/** Base64 has no "*", so the text can never end its comment early. */
function packed(bytes) {
  return gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).toString("base64");
}

/** The runner file's text: `body` is esbuild's CommonJS output, `cache` V8's code cache for it. */
export function runnerFile(body, cache) {
  // The loader turns the body back into text a byte a character (latin1, the cheapest decode).
  if (Buffer.byteLength(body) !== body.length) throw new Error("the runner bundle must be ASCII");
  const bodyBytes = Buffer.from(wrapBody(body), "latin1");
  const bodyText = packed(bodyBytes);
  const cacheText = cache ? packed(cache) : "";
  const pad = (n) => String(n).padStart(OFFSET_WIDTH, " ");
  const layout = (bodyAt, cacheAt) =>
    `${loader(
      [pad(bodyAt), pad(bodyAt + bodyText.length), bodyBytes.length],
      [pad(cacheAt), pad(cacheAt + cacheText.length), cache?.length ?? 0],
      cache ? cacheRuntime() : "",
    )}/*\n`;
  // The loader holds the offsets, so measure it with placeholders of the same width.
  const bodyAt = layout(0, 0).length;
  const cacheAt = bodyAt + bodyText.length + "\n*/\n/*\n".length;
  return `${layout(bodyAt, cacheAt)}${bodyText}\n*/\n/*\n${cacheText}\n*/\n`;
}

/** `body` and `cache`: [start, end] of the text in the file, and its size unpacked. */
function loader(body, cache, runtime) {
  return `#!/usr/bin/env node
// Sandcaster's in-sandbox runner (packages/runner; this layout: src/boot/code-cache-file.mjs).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { gunzipSync } from "node:zlib";

const filename = fileURLToPath(import.meta.url);
const file = readFileSync(filename);
// One output chunk of the known size: inflating into 16 KB chunks and joining them costs ~40 %.
const unpack = (from, to, size) =>
  gunzipSync(Buffer.from(file.latin1Slice(from, to), "base64"), { chunkSize: Math.max(size, 64) });
const source = unpack(${body.join(", ")}).latin1Slice();
const cacheRuntime = ${JSON.stringify(runtime)};
let cachedData;
let codeCache = "none";
if (cacheRuntime !== "" && cacheRuntime === \`\${process.version} \${process.arch}\`) {
  try {
    cachedData = unpack(${cache.join(", ")});
  } catch {
    codeCache = "rejected";
  }
}
const script = new Script(source, { filename, cachedData });
globalThis.__sandcasterCodeCache =
  cachedData === undefined ? codeCache : script.cachedDataRejected ? "rejected" : "accepted";
// The build's run that makes the cache (src/boot/make-code-cache.mjs) takes it at the run's first
// WebAssembly compile (undici's, on the first fetch), with every function compiled up to there;
// not later, because V8
// stamps a cache with its flags and the runner then sets one (src/boot/liftoff-before-wasm.ts).
const cacheOut = process.env.SANDCASTER_CODE_CACHE_OUT;
if (cacheOut)
  globalThis[Symbol.for("sandcaster.beforeV8Flags")] = () =>
    writeFileSync(cacheOut, script.createCachedData());
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename));
`;
}
