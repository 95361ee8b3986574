// The runner file carries V8's code cache for its bundle (src/boot/code-cache-file.mjs). The Node
// that built it takes it, for every model family; a cache V8 cannot use (damaged, or made by
// another Node) changes nothing but speed: the bundle compiles from source and the run is the same.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROVIDERS } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

/** How V8 took the cache in that run, from the boot marks the runner prints on stderr. */
function codeCacheOf(stderr: string): unknown {
  const line = stderr.split("\n").find((l) => l.startsWith("sandcaster-boot-timings "));
  return line ? JSON.parse(line.slice("sandcaster-boot-timings ".length)).codeCache : undefined;
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
  it("compiles the bundle from its code cache", async () => {
    ws = await makeWorkspace();
    expect(codeCacheOf((await answersCold(ws, p)).stderr)).toBe("accepted");
  });
});

describe("a code cache V8 cannot use", () => {
  it("a damaged one is rejected and the run is unchanged", async () => {
    ws = await makeWorkspace();
    await editRunner(ws, (file) => {
      // The loader names the cache's byte range; zeroing its header breaks V8's magic number.
      const ranges = [...file.matchAll(/latin1Slice\(\s*(\d+),\s*(\d+)\)/g)];
      const cacheAt = Number(ranges[1]?.[1]);
      return `${file.slice(0, cacheAt)}${"A".repeat(16)}${file.slice(cacheAt + 16)}`;
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
    expect(codeCacheOf((await answersCold(ws, PROVIDERS[0])).stderr)).toBe("none");
  });
});
