// Sets V8's --liftoff-only at the last moment: the process's first WebAssembly compile, which is
// undici's HTTP parser (Node's fetch). The runner's first import (main.ts), so it is in place
// before any other module runs.
// Why the flag: undici compiles its WASM HTTP parser with Liftoff, then V8 recompiles it with
// TurboFan on a background thread, and process exit waits for that compile: ~0.8 s after the
// result on a loaded 2-core host (the server waits for the exit). Liftoff alone is plenty.
// Why so late: a V8 flag set at run time changes V8's flag hash, and V8 then rejects the code
// cache Node ships for its own modules: every builtin loaded afterwards is compiled from source
// (measured: twice the CPU). Setting it when undici first loads (on the first touch of fetch)
// still cost undici's own cache: ~25 ms CPU on every cold run. Node 20's undici compiles its
// parser while it loads, already compiled from its cache; later undicis compile it on their first
// connection. Either way the compile goes through one of the entry points wrapped here.
// node:v8 is loaded when the flag is set, not at boot: it brings heap_utils, serdes, histograms and
// streams, on every cold boot whose SDK compiles no WebAssembly (Anthropic's, OpenAI's).
const v8 = (): typeof import("node:v8") =>
  process.getBuiltinModule?.("node:v8") ?? (require("node:v8") as typeof import("node:v8"));

// The build's code-cache run (boot/code-cache-file.mjs) takes its cache here: V8 stamps a cache
// with the flags in force when it is made, and runs compile the bundle before this flag is set.
const BEFORE_FLAGS_HOOK = Symbol.for("sandcaster.beforeV8Flags");
const COMPILING = ["compile", "compileStreaming", "instantiate", "instantiateStreaming", "Module"];

type Wasm = Record<string, unknown>;

// What Node 20's undici loads after its parser's compile (it compiles it while it loads): Node
// builtins that, once the flag is set, compile from source instead of Node's cache (measured with
// process.moduleLoadList). Loaded just before the flag instead; undici then takes them as loaded.
const UNDICI_LATER_BUILTINS = ["node:crypto", "node:tls", "node:http2", "node:worker_threads"];
const UNDICI_LATER_GLOBALS = ["ReadableStream", "WritableStream"];

// Set by the loader (boot/code-cache-file.mjs) when this is the Node that built the file: the
// list above was measured there, and another Node's undici may need none of them.
const BUILT_ON_THIS_NODE = Symbol.for("sandcaster.builtOnThisNode");

function loadWhileCacheHolds(): void {
  if ((globalThis as Record<symbol, unknown>)[BUILT_ON_THIS_NODE] !== true) return;
  // process.getBuiltinModule: Node >= 20.16.
  const load = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (!load) return;
  for (const id of UNDICI_LATER_BUILTINS) load(id);
  for (const name of UNDICI_LATER_GLOBALS) void (globalThis as Record<string, unknown>)[name];
}

const moduleLoadList = () => (process as { moduleLoadList?: string[] }).moduleLoadList ?? [];
let loadedBeforeFlags: number | undefined;
let v8TagBeforeFlags: number | undefined;

/**
 * Whether the flag took: V8 derives its cache tag from its flags, so the tag changes once the flag
 * is set (the tag is read just before, with node:v8 loaded then).
 */
export function v8FlagsSet(): boolean {
  return v8TagBeforeFlags !== undefined && v8().cachedDataVersionTag() !== v8TagBeforeFlags;
}

/** Node's builtin modules loaded since the flag was set (compiled without Node's code cache). */
export function builtinsAfterFlags(): string[] {
  if (loadedBeforeFlags === undefined) return [];
  return moduleLoadList()
    .slice(loadedBeforeFlags)
    .filter((entry) => entry.startsWith("NativeModule "))
    .map((entry) => entry.slice("NativeModule ".length));
}

let installed = false;

/**
 * Idempotent. main() calls it again: while a startup snapshot is built (boot/snapshot-entry.mjs)
 * there is no WebAssembly yet, so a run from the snapshot installs it as it starts.
 */
export function liftoffOnlyBeforeWasm(): void {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  // No WebAssembly (--jitless, or a snapshot's build): nothing will compile, so nothing to wait for.
  if (!wasm || installed) return;
  installed = true;
  const originals = COMPILING.filter((name) => typeof wasm[name] === "function").map(
    (name) => [name, wasm[name] as (...args: unknown[]) => unknown] as const,
  );
  let set = false;
  const beforeCompile = () => {
    if (set) return;
    set = true;
    for (const [name, original] of originals) wasm[name] = original;
    const hook = (globalThis as Record<symbol, unknown>)[BEFORE_FLAGS_HOOK];
    if (typeof hook === "function") hook();
    loadWhileCacheHolds();
    const { cachedDataVersionTag, setFlagsFromString } = v8();
    loadedBeforeFlags = moduleLoadList().length;
    v8TagBeforeFlags = cachedDataVersionTag();
    setFlagsFromString("--liftoff-only");
  };
  for (const [name, original] of originals) {
    // A Proxy, so `new WebAssembly.Module(...)` and instanceof keep working.
    wasm[name] = new Proxy(original, {
      apply(target, self, args) {
        beforeCompile();
        return Reflect.apply(target, self, args);
      },
      construct(target, args, newTarget) {
        beforeCompile();
        return Reflect.construct(target, args, newTarget);
      },
    });
  }
}

// main.ts imports this module first, so this runs before any other module of the bundle.
liftoffOnlyBeforeWasm();
