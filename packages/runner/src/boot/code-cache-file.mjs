// Build time: writes dist/runner.mjs, the ONE file a sandbox receives: a small ESM loader, then
// the bundled runner (CommonJS) and V8's code cache for it, each in a trailing comment. The loader
// reads them back and compiles the bundle with the cache, so a cold boot neither parses ~3 MB of
// JS nor compiles the functions the build's run used. A cache made by another Node (the
// user-facing image's) is skipped without being decoded; one V8 rejects (other V8 flags, a
// damaged file) is ignored and the bundle compiles from source. Nothing is written at run time:
// each sandbox gets a fresh copy of this file, so no run leaves a cache behind for another.

// Node's own CommonJS wrapper, so the bundle's require() works.
const WRAPPER_HEAD = "(function (exports, require, module, __filename, __dirname) {\n";
const WRAPPER_TAIL = "\n})";
// Comments end at "*/"; the bundle's few ones (in regexes and strings) are stored with a byte the
// bundle never contains (checked), and restored on load.
const COMMENT_END = "*/";
const STORED_COMMENT_END = "*\u0001/";
const OFFSET_WIDTH = 10;

/** The runtime a cache is valid for; the loader skips the cache on any other. */
export function cacheRuntime() {
  return `${process.version} ${process.arch}`;
}

/** What V8 compiles: the bundle in its wrapper (the cache is made for exactly this text). */
export function wrapBody(body) {
  return WRAPPER_HEAD + body + WRAPPER_TAIL;
}

/** The runner file's text: `body` is esbuild's CommonJS output, `cache` V8's code cache for it. */
export function runnerFile(body, cache) {
  // Offsets into the file are offsets into its text only while every character is one byte
  // (esbuild escapes the rest); the stored comment ends must be the only \u0001 in it.
  if (Buffer.byteLength(body) !== body.length || body.includes("\u0001"))
    throw new Error("the runner bundle must be ASCII without \\u0001");
  const stored = wrapBody(body).replaceAll(COMMENT_END, STORED_COMMENT_END);
  const cacheText = cache ? Buffer.from(cache).toString("base64") : "";
  const pad = (n) => String(n).padStart(OFFSET_WIDTH, " ");
  const layout = (bodyAt, cacheAt) =>
    `${loader(pad(bodyAt), pad(bodyAt + stored.length), pad(cacheAt), pad(cacheAt + cacheText.length), cache ? cacheRuntime() : "")}/*\n`;
  // The loader holds the offsets, so measure it with placeholders of the same width.
  const bodyAt = layout(0, 0).length;
  const cacheAt = bodyAt + stored.length + "\n*/\n/*\n".length;
  return `${layout(bodyAt, cacheAt)}${stored}\n*/\n/*\n${cacheText}\n*/\n`;
}

function loader(bodyAt, bodyEnd, cacheAt, cacheEnd, runtime) {
  return `#!/usr/bin/env node
// Sandcaster's in-sandbox runner (packages/runner; this layout: src/boot/code-cache-file.mjs).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

const filename = fileURLToPath(import.meta.url);
// Read as bytes and decode only the two parts (every byte is one character: checked at build).
const file = readFileSync(filename);
const source = file.latin1Slice(${bodyAt}, ${bodyEnd}).replaceAll(${JSON.stringify(STORED_COMMENT_END)}, ${JSON.stringify(COMMENT_END)});
const cacheRuntime = ${JSON.stringify(runtime)};
const cachedData =
  cacheRuntime !== "" && cacheRuntime === \`\${process.version} \${process.arch}\`
    ? Buffer.from(file.latin1Slice(${cacheAt}, ${cacheEnd}), "base64")
    : undefined;
const script = new Script(source, { filename, cachedData });
globalThis.__sandcasterCodeCache =
  cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "accepted";
// The build's run that makes the cache (src/boot/make-code-cache.mjs) takes it just before the
// run's first use of fetch, with every function compiled up to there; not later, because V8
// stamps a cache with its flags and the runner then sets one (src/boot/liftoff-before-fetch.ts).
const cacheOut = process.env.SANDCASTER_CODE_CACHE_OUT;
if (cacheOut)
  globalThis[Symbol.for("sandcaster.beforeV8Flags")] = () =>
    writeFileSync(cacheOut, script.createCachedData());
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(filename), module, filename, dirname(filename));
`;
}
