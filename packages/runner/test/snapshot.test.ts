// A V8 startup snapshot of the built runner file (src/boot/snapshot-entry.mjs): a run started
// from it does what the file alone does, for every model family; a runner file of another build
// runs itself; the builder passes nothing of its caller's environment into the snapshot.
import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRunnerSnapshot } from "../src/boot/build-snapshot.mjs";
import { PROVIDERS } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

/** Made per run, so no key-like value is committed and none can be in the blob by chance. */
const SECRET = `snapshot-must-not-keep-${randomUUID()}`;

let built: Workspace;
let blob: string;

beforeAll(async () => {
  built = await makeWorkspace();
  blob = join(built.dir, "runner.blob");
  // The caller's environment holds a key: the builder must not pass it on.
  process.env.SANDCASTER_SNAPSHOT_TEST_KEY = SECRET;
  try {
    await buildRunnerSnapshot({ runnerPath: join(built.dir, "runner.mjs"), blobPath: blob });
  } finally {
    delete process.env.SANDCASTER_SNAPSHOT_TEST_KEY;
  }
}, 120_000);
afterAll(async () => {
  await built?.cleanup();
});

function bootMarks(stderr: string): Record<string, unknown> | undefined {
  const line = stderr.split("\n").find((l) => l.startsWith("sandcaster-boot-timings "));
  return line ? JSON.parse(line.slice("sandcaster-boot-timings ".length)) : undefined;
}

/** The two-turn task (bash, then an answer) of `p`'s family, from `runner.mjs` in `ws`. */
async function twoTurns(ws: Workspace, p: (typeof PROVIDERS)[number], nodeArgs: string[]) {
  const double = await p.start([
    { text: "On it.", toolCalls: [{ name: "bash", input: { command: "echo snap > s.txt" } }] },
    { text: "Written." },
  ]);
  try {
    const run = await runBundle(
      ws,
      { prompt: "write snap to s.txt", model: p.model },
      { ...p.env(double), SANDCASTER_BOOT_TIMINGS: "1" },
      { nodeArgs },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const [toolResult] = ofType(run.events, "tool_result");
    expect(toolResult).toMatchObject({ toolName: "bash", isError: false });
    expect(ofType(run.events, "result")[0]).toMatchObject({
      subtype: "success",
      content: "Written.",
      numTurns: 2,
    });
    expect(await readFile(join(ws.workspace, "s.txt"), "utf8")).toBe("snap\n");
    return { run, marks: bootMarks(run.stderr) };
  } finally {
    await double.close();
  }
}

describe.each(PROVIDERS)("a run via $name started from the snapshot", (p) => {
  it("runs bash and answers as the file alone does, its SDK from its code cache", async () => {
    const ws = await makeWorkspace();
    try {
      const { run, marks } = await twoTurns(ws, p, ["--snapshot-blob", blob]);
      // Only the boot marks on stderr: no warning of Node's snapshot builder leaks into a run.
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(marks?.codeCache).toBe("snapshot (built with cache: accepted)");
      expect(marks?.sdkCodeCache).toBe("accepted");
      // Only Google's SDK compiles WebAssembly (Node's fetch); the others send through node:http.
      expect(marks?.v8FlagsSet).toBe(p.name === "google");
    } finally {
      await ws.cleanup();
    }
  });
});

describe("a snapshot and a runner file of different builds", () => {
  it("runs the file through its own loader, and the run is the same", async () => {
    const ws = await makeWorkspace();
    try {
      // Another build: the same file with another build line (same length, so its table holds).
      const path = join(ws.dir, "runner.mjs");
      const file = await readFile(path, "latin1");
      const other = file.replace(
        /^\/\/ build ([0-9a-f])/m,
        (_, c: string) => `// build ${c === "0" ? "1" : "0"}`,
      );
      expect(other).not.toBe(file);
      await writeFile(path, other, "latin1");
      const p = PROVIDERS[0];
      if (!p) throw new Error("no provider");
      const { marks } = await twoTurns(ws, p, ["--snapshot-blob", blob]);
      expect(marks?.codeCache).toBe("accepted");
    } finally {
      await ws.cleanup();
    }
  });
});

describe("the snapshot's builder", () => {
  it("keeps no part of its caller's environment", async () => {
    const bytes = await readFile(blob);
    expect(bytes.length).toBeGreaterThan(1_000_000);
    expect(bytes.includes(SECRET)).toBe(false);
    expect(bytes.includes(Buffer.from(SECRET, "utf16le"))).toBe(false);
    // The environment variable's name is not there either: the builder's env was empty.
    expect(bytes.includes("SANDCASTER_SNAPSHOT_TEST_KEY")).toBe(false);
  });
});
