// Sets V8's --liftoff-only at the last moment: when Node first loads undici (its fetch). The
// runner's first import (main.ts), so it is in place before any other module runs.
// Why the flag: undici compiles its WASM HTTP parser with Liftoff, then V8 recompiles it with
// TurboFan on a background thread, and process exit waits for that compile: ~0.8 s after the
// result on a loaded 2-core host (the server waits for the exit). Liftoff alone is plenty.
// Why so late: a V8 flag set at run time changes V8's flag hash, and V8 then rejects the code
// cache Node ships for its own modules: every builtin loaded afterwards is compiled from source
// (measured: twice the CPU). Undici loads on the first call of fetch or the first touch of one of
// the web classes it provides, so those are wrapped until then.
import { setFlagsFromString } from "node:v8";

const UNDICI_CLASSES = ["Headers", "Request", "Response", "FormData", "MessageEvent"] as const;
// The build's code-cache run (boot/code-cache-file.mjs) takes its cache here: V8 stamps a cache
// with the flags in force when it is made, and runs compile the bundle before this flag is set.
const BEFORE_FLAGS_HOOK = Symbol.for("sandcaster.beforeV8Flags");

function setLiftoffOnly(): void {
  const hook = (globalThis as Record<symbol, unknown>)[BEFORE_FLAGS_HOOK];
  if (typeof hook === "function") hook();
  setFlagsFromString("--liftoff-only");
}

export function liftoffOnlyBeforeFetch(): void {
  const global = globalThis as Record<string, unknown>;
  const originals = UNDICI_CLASSES.map(
    (name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const,
  );
  // Another Node (a value, not a lazy getter: undici already loaded): set it now, as before.
  if (originals.some(([, d]) => !d?.get || !d.configurable)) {
    setLiftoffOnly();
    return;
  }
  let set = false;
  const beforeUndici = () => {
    if (set) return;
    set = true;
    setLiftoffOnly();
    for (const [name, descriptor] of originals)
      Object.defineProperty(globalThis, name, descriptor as PropertyDescriptor);
  };
  for (const [name, descriptor] of originals) {
    const get = descriptor?.get as () => unknown;
    Object.defineProperty(globalThis, name, {
      ...descriptor,
      get() {
        beforeUndici();
        return get.call(this);
      },
    });
  }
  const nodeFetch = globalThis.fetch;
  global.fetch = function fetch(input: Parameters<typeof nodeFetch>[0], init?: RequestInit) {
    beforeUndici();
    return nodeFetch(input, init);
  };
}

// main.ts imports this module first, so this runs before any other module of the bundle.
liftoffOnlyBeforeFetch();
