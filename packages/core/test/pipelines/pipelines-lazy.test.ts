// The pipeline parser (micromark, mdast, yaml) is loaded only when a pipeline is started: a server
// that never runs one never pays its memory. Checked in a fresh Node process on the build, with a
// module hook that writes down every module the process loads (micromark is ESM: no require cache).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const core = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Registered in the child: appends each loaded module's URL to the file in `data`. */
const RECORDING_HOOK = `
  import { appendFileSync } from "node:fs";
  let file;
  export function initialize(data) { file = data.file; }
  export async function load(url, context, next) {
    appendFileSync(file, url + "\\n");
    return next(url, context);
  }`;

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Whether importing core (then running `then`) loaded micromark in a new process. */
async function parserLoadedAfter(then: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-lazy-"));
  dirs.push(dir);
  const file = join(dir, "loaded.txt");
  const script = `
    import { register } from "node:module";
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(RECORDING_HOOK)}`)}, {
      data: { file: ${JSON.stringify(file)} },
    });
    const core = await import(${JSON.stringify(core)});
    ${then}
  `;
  await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  });
  const loaded = await readFile(file, "utf8");
  // The hook saw core itself load: a hook that recorded nothing would make the check below vacuous.
  expect(loaded).toContain("/dist/run/start-run.js");
  return loaded.split("\n").some((url) => url.includes("/node_modules/micromark"));
}

describe("the pipeline parser is loaded on first use", () => {
  it("is not loaded by importing core", async () => {
    expect(await parserLoadedAfter("")).toBe(false);
  }, 60_000);

  it("is loaded once a pipeline is started (the check above can fail)", async () => {
    // Refused by the parser (no steps) before anything of the run is used.
    const start = `await core.startPipeline({ markdown: "# empty" }, {}).catch(() => undefined);`;
    expect(await parserLoadedAfter(start)).toBe(true);
  }, 60_000);
});
