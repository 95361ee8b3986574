// The runner file carries V8's code cache for its bundle (src/boot/code-cache-file.mjs). The Node
// that built it takes it, for every model family; a cache V8 cannot use (damaged, or made by
// another Node, or for other code) changes nothing but speed: the bundle compiles from source and
// the run is the same.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Script } from "node:vm";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

/** The boot marks the runner prints on stderr. */
function bootMarks(stderr: string): Record<string, unknown> | undefined {
  const line = stderr.split("\n").find((l) => l.startsWith("sandcaster-boot-timings "));
  return line ? JSON.parse(line.slice("sandcaster-boot-timings ".length)) : undefined;
}

/** How V8 took the cache in that run. */
function codeCacheOf(stderr: string): unknown {
  return bootMarks(stderr)?.codeCache;
}

/** Rewrites the workspace's copy of the runner; every edit keeps the file's length. */
async function editRunner(workspace: Workspace, edit: (file: string) => string): Promise<void> {
  const path = join(workspace.dir, "runner.mjs");
  const before = await readFile(path, "latin1");
  const after = edit(before);
  expect(after.length).toBe(before.length);
  expect(after).not.toBe(before);
  await writeFile(path, after, "latin1");
}

async function answersCold(workspace: Workspace, p: (typeof PROVIDERS)[number]) {
  const double = await p.start([{ text: "cached or not" }]);
  try {
    const run = await runBundle(
      workspace,
      { prompt: "hi", provider: p.name, model: p.model },
      { ...p.env(double), SANDCASTER_BOOT_TIMINGS: "1" },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(ofType(run.events, "result")[0]).toMatchObject({
      subtype: "success",
      content: "cached or not",
    });
    return run;
  } finally {
    await double.close();
  }
}

describe.each(PROVIDERS.filter((p) => p.name !== "openrouter"))("cold run via $name", (p) => {
  it("compiles the bundle from its code cache, and Node's fetch only for Google's SDK", async () => {
    ws = await makeWorkspace();
    const marks = bootMarks((await answersCold(ws, p)).stderr);
    expect(marks?.codeCache).toBe("accepted");
    // The family's SDK is a part of its own, with its own cache (boot/sdk-chunks.mjs).
    expect(marks?.sdkCodeCache).toBe("accepted");
    // The loader takes builtins without ESM imports, and node:v8 waits for the liftoff flag.
    expect(marks?.unneededAtSdk).toEqual([]);
    if (p.name !== "google") {
      // Its SDK sends through node:http (src/http/): Node's fetch, its WebAssembly parser and
      // the flag for it never load.
      expect(marks?.nodeFetchLoaded).toBe(false);
      expect(marks?.v8FlagsSet).toBe(false);
      return;
    }
    expect(marks?.nodeFetchLoaded).toBe(true);
    // The flag is now set at the first WebAssembly compile (boot/liftoff-before-wasm.ts): the run
    // must still get there, or exit waits for V8's TurboFan compile of undici's parser.
    expect(marks?.v8FlagsSet).toBe(true);
    // What undici loads after its parser's compile is loaded before the flag, with Node's cache
    // (undici itself ends loading after it: the list is real).
    expect(marks?.builtinsAfterFlags).toContain("internal/deps/undici/undici");
    expect(marks?.builtinsAfterFlags).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(crypto|tls|http2|worker_threads)$/)]),
    );
  });
});

/** The byte range of a part's cache's text (gzip, base64) in the file, as its loader names it. */
function cacheRange(file: string, part = "runner"): { at: number; end: number } {
  const range = file.match(new RegExp(`"cache:${part}": \\[\\s*(\\d+),\\s*(\\d+),\\s*\\d+\\]`));
  expect(range).not.toBeNull();
  return { at: Number(range?.[1]), end: Number(range?.[2]) };
}

describe("a code cache V8 cannot use", () => {
  it("a damaged one is rejected and the run is unchanged", async () => {
    ws = await makeWorkspace();
    await editRunner(ws, (file) => {
      // Zeroing its head breaks gzip's header, so it is dropped before V8 sees it.
      const { at } = cacheRange(file);
      return `${file.slice(0, at)}${"A".repeat(16)}${file.slice(at + 16)}`;
    });
    expect(codeCacheOf((await answersCold(ws, PROVIDERS[0])).stderr)).toBe("rejected");
  });

  it("a damaged one for the SDK's part is rejected and the run is unchanged", async () => {
    ws = await makeWorkspace();
    await editRunner(ws, (file) => {
      const { at } = cacheRange(file, "sdk:@anthropic-ai/sdk");
      return `${file.slice(0, at)}${"A".repeat(16)}${file.slice(at + 16)}`;
    });
    const marks = bootMarks((await answersCold(ws, PROVIDERS[0])).stderr);
    expect(marks?.codeCache).toBe("accepted");
    expect(marks?.sdkCodeCache).toBe("rejected");
  });

  it("one damaged inside, past gzip's header, is rejected and the run is unchanged", async () => {
    ws = await makeWorkspace();
    await editRunner(ws, (file) => {
      // gzip's CRC catches what the inflate does not.
      const { at, end } = cacheRange(file);
      const middle = Math.floor((at + end) / 2);
      const flipped = file[middle] === "A" ? "B" : "A";
      return `${file.slice(0, middle)}${flipped}${file.slice(middle + 1)}`;
    });
    expect(codeCacheOf((await answersCold(ws, PROVIDERS[0])).stderr)).toBe("rejected");
  });

  it("a well-formed one for other code is rejected by V8 and the run is unchanged", async () => {
    ws = await makeWorkspace();
    await editRunner(ws, (file) => {
      // A real V8 cache from this Node, packed as the build packs it, but for another script.
      const { at, end } = cacheRange(file);
      const foreign = new Script("globalThis.notTheRunner = 1;").createCachedData();
      const text = gzipSync(foreign).toString("base64");
      expect(text.length).toBeLessThan(end - at);
      // Base64 decoding skips spaces, so the file keeps its length and its offsets.
      return `${file.slice(0, at)}${text.padEnd(end - at, " ")}${file.slice(end)}`;
    });
    expect(codeCacheOf((await answersCold(ws, PROVIDERS[0])).stderr)).toBe("rejected");
  });

  it("one made by another Node is not even decoded", async () => {
    ws = await makeWorkspace();
    await editRunner(ws, (file) =>
      file.replace(/const cacheRuntime = "([^"]+)"/, (_, runtime: string) => {
        return `const cacheRuntime = "${"x".repeat(runtime.length)}"`;
      }),
    );
    // Google's SDK: the one that still loads Node's fetch (and so sets the flag).
    const google = PROVIDERS.find((p) => p.name === "google") as (typeof PROVIDERS)[number];
    const marks = bootMarks((await answersCold(ws, google)).stderr);
    expect(marks?.codeCache).toBe("none");
    expect(marks?.sdkCodeCache).toBe("none");
    // What was measured on the build's Node is not assumed of another: nothing is loaded early.
    // (crypto and tls: Google's SDK loads them itself, before any request.)
    expect(marks?.builtinsAfterFlags).toEqual(expect.arrayContaining(["http2", "worker_threads"]));
  });
});
