// Build time: writes dist/runner.mjs, the ONE file a sandbox receives: a small ESM loader, then
// parts in trailing comments, each gzipped and base64'd: the bundled runner (CommonJS), each model
// family's SDK bundled apart (sdk-chunks.mjs), and V8's code cache for each. The loader compiles the
// runner with its cache, and an SDK's part only when a run first imports it, so a cold boot neither
// parses ~3 MB of JS nor builds text for the two SDKs it never uses.
// Why packed: Node's ESM loader reads, decodes and scans every byte of the file before the loader
// runs, so each MB costs every run; inflating costs less (measured: gzip inflates ~2x faster than
// brotli here, which its smaller output does not pay back). gzip's CRC also stops a damaged cache
// before V8 sees it.
// A cache made by another Node (the user-facing image's) is skipped without being decoded; one
// that does not inflate or that V8 rejects (other V8 flags, a damaged file) is ignored and the
// part compiles from source. Nothing is written at run time: each sandbox gets a fresh copy of
// this file, so no run leaves a cache behind for another.
import { createHash } from "node:crypto";
import { constants, gzipSync } from "node:zlib";

// Node's own CommonJS wrapper, so each part's require() works.
const WRAPPER_HEAD = "(function (exports, require, module, __filename, __dirname) {\n";
const WRAPPER_TAIL = "\n})";
const OFFSET_WIDTH = 10;
/** The loader's name for the runner's part; an SDK's is `sdk:<package>`, a cache's `cache:<part>`. */
export const RUNNER_PART = "runner";
/** What the runner's SDK imports call, with the package's name, to get its part's exports. */
export const SDK_GLOBAL = 'Symbol.for("sandcaster.sdk")';

/** The runtime a cache is valid for; the loader skips the caches on any other. */
export function cacheRuntime() {
  return `${process.version} ${process.arch}`;
}

/** What V8 compiles for a part: its code in the wrapper (a cache is made for exactly this text). */
export function wrapBody(body) {
  return WRAPPER_HEAD + body + WRAPPER_TAIL;
}

/** Base64 has no "*", so the text can never end its comment early. */
function packed(bytes) {
  return gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).toString("base64");
}

/**
 * The runner file's text. `codes`: part name → esbuild's CommonJS output (the runner's under
 * RUNNER_PART); `caches`: part name → V8's code cache for it (any may be missing).
 */
export function runnerFile(codes, caches = new Map()) {
  const parts = [];
  for (const [name, code] of codes) {
    // The loader turns a part back into text a byte a character (latin1, the cheapest decode).
    if (Buffer.byteLength(code) !== code.length) throw new Error(`the ${name} part must be ASCII`);
    const bytes = Buffer.from(wrapBody(code), "latin1");
    parts.push({ name, text: packed(bytes), size: bytes.length });
    const cache = caches.get(name);
    if (cache) parts.push({ name: `cache:${name}`, text: packed(cache), size: cache.length });
  }
  const runtime = caches.size > 0 ? cacheRuntime() : "";
  // Names this exact file (its parts and caches): a startup snapshot made from it
  // (snapshot-entry.mjs) runs only with the runner file it was made from.
  const hash = createHash("sha256");
  for (const part of parts) hash.update(`${part.name}\n${part.text}\n`);
  const buildId = hash.update(runtime).digest("hex").slice(0, 32);
  const pad = (n) => String(n).padStart(OFFSET_WIDTH, " ");
  const layout = (starts, packedAt) =>
    `${loader(
      parts.map(
        (p, i) =>
          `  ${JSON.stringify(p.name)}: [${pad(starts[i])}, ${pad(starts[i] + p.text.length)}, ${pad(p.size)}],`,
      ),
      pad(packedAt),
      runtime,
      buildId,
    )}${PACKED_HEAD}`;
  // The loader holds the offsets, so measure it with placeholders of the same width.
  const placeholder = layout(
    parts.map(() => 0),
    0,
  );
  const packedAt = placeholder.length - PACKED_HEAD.length;
  const starts = [];
  let at = placeholder.length;
  for (const part of parts) {
    starts.push(at);
    at += part.text.length + PART_GAP.length;
  }
  return `${layout(starts, packedAt)}${parts.map((p) => p.text).join(PART_GAP)}${PACKED_TAIL}`;
}

// The parts lie in comments in the body of one function, packedParts: the loader takes their text
// from its source (Function.prototype.toString), which V8 holds for the module anyway.
const PACKED_HEAD = "function packedParts() {/*\n";
const PART_GAP = "\n*/\n/*\n";
const PACKED_TAIL = "\n*/}\n";

function loader(partLines, packedAt, runtime, buildId) {
  return `#!/usr/bin/env node
// Sandcaster's in-sandbox runner (packages/runner; this layout: src/boot/code-cache-file.mjs).
// build ${buildId}
// Builtins through process.getBuiltinModule (Node >= 20.16), not static imports: an ESM import of
// node:fs builds its ESM facade, which reads every export and so loads fs's streams (~4 ms), and
// the parts need nothing but builtins, so node:module's createRequire is only a fallback.
// A part's require: builtins only, and a missing module throws as require's does (ws and debug
// probe optional packages in try/catch).
const builtin = process.getBuiltinModule
  ? (id) => {
      const found = process.getBuiltinModule(id);
      if (found !== undefined) return found;
      throw Object.assign(new Error(\`Cannot find module '\${id}'\`), { code: "MODULE_NOT_FOUND" });
    }
  : (await import("node:module")).createRequire(import.meta.url);
const { Script } = builtin("node:vm");
const { gunzipSync } = builtin("node:zlib");

const filename = builtin("node:url").fileURLToPath(import.meta.url);
const dirname = builtin("node:path").dirname(filename);
// Each part: [start, end] of its text in this file, and its size unpacked.
const PARTS = {
${partLines.join("\n")}
};
// A part's text: a slice of packedParts' source (below), which is a slice of the module's source
// text as Node's ESM loader read it. V8 makes neither a copy (its substrings share their parent's
// characters) and Buffer.from decodes the base64 outside V8's heap: no read of this file again,
// and no large strings that would set off the young generation's collections early.
const PACKED_AT = ${packedAt};
let packedText;
// One output chunk of the known size: inflating into 16 KB chunks and joining them costs ~40 %.
const unpack = (name) => {
  const [from, to, size] = PARTS[name];
  packedText ??= packedParts.toString();
  const base64 = packedText.slice(from - PACKED_AT, to - PACKED_AT);
  return gunzipSync(Buffer.from(base64, "base64"), { chunkSize: Math.max(size, 64) });
};
const cacheRuntime = ${JSON.stringify(runtime)};
const cachesFit = cacheRuntime !== "" && cacheRuntime === \`\${process.version} \${process.arch}\`;
// For boot/liftoff-before-wasm.ts: what it measured on the build's Node holds here.
globalThis[Symbol.for("sandcaster.builtOnThisNode")] = cachesFit;
const compiled = new Map();

/** Compiles a part, with its cache when it has one this Node can take; runs it; its exports. */
function load(name, onCodeCache) {
  const source = unpack(name).latin1Slice();
  let cachedData;
  let codeCache = "none";
  if (cachesFit && \`cache:\${name}\` in PARTS) {
    try {
      cachedData = unpack(\`cache:\${name}\`);
    } catch {
      codeCache = "rejected";
    }
  }
  const script = new Script(source, { filename, cachedData });
  compiled.set(name, script);
  onCodeCache(cachedData === undefined ? codeCache : script.cachedDataRejected ? "rejected" : "accepted");
  const module = { exports: {} };
  script.runInThisContext()(module.exports, builtin, module, filename, dirname);
  return module.exports;
}

const sdks = new Map();
globalThis[${SDK_GLOBAL}] = (id) => {
  if (!sdks.has(id))
    sdks.set(id, load(\`sdk:\${id}\`, (state) => {
      globalThis.__sandcasterSdkCodeCache = state;
    }));
  return sdks.get(id);
};
// The build's runs that make the caches (src/boot/make-code-cache.mjs) take them at the run's
// first WebAssembly compile (undici's, on the first fetch of an SDK that uses Node's fetch), with
// every function compiled up to there; not later, because V8 stamps a cache with its flags and
// the runner then sets one (src/boot/liftoff-before-wasm.ts). A run whose SDK sends through
// node:http (src/http/) compiles no WebAssembly and sets no flag: it takes them as it exits.
const cacheOut = process.env.SANDCASTER_CODE_CACHE_OUT;
if (cacheOut) {
  let taken = false;
  const takeCaches = () => {
    if (taken) return;
    taken = true;
    for (const [name, script] of compiled)
      builtin("node:fs").writeFileSync(
        \`\${cacheOut}/\${encodeURIComponent(name)}\`,
        script.createCachedData(),
      );
  };
  globalThis[Symbol.for("sandcaster.beforeV8Flags")] = takeCaches;
  process.once("exit", takeCaches);
}
load(${JSON.stringify(RUNNER_PART)}, (state) => {
  globalThis.__sandcasterCodeCache = state;
});
`;
}
