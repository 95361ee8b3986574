// Which modules a fresh Node process loads: for the tests that a heavy dependency is loaded only
// on first use. A module hook writes down every ES module as it is loaded (they are in no cache a
// test can read), and the CommonJS cache is read at the end.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Registered in the child: appends each loaded module's URL to the file in `data`. */
const RECORDING_HOOK = `
  import { appendFileSync } from "node:fs";
  let file;
  export function initialize(data) { file = data.file; }
  export async function load(url, context, next) {
    appendFileSync(file, url + "\\n");
    return next(url, context);
  }`;

/**
 * Runs `script` (an ES module's body: top-level await allowed) in a new Node process in `cwd` and
 * answers the URLs of the ES modules and the paths of the CommonJS modules it loaded.
 */
export async function modulesLoadedBy(script: string, cwd: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-loaded-"));
  try {
    const file = join(dir, "loaded.txt");
    const hook = `data:text/javascript,${encodeURIComponent(RECORDING_HOOK)}`;
    const wrapped = `
      import { createRequire, register } from "node:module";
      import { appendFileSync } from "node:fs";
      register(${JSON.stringify(hook)}, { data: { file: ${JSON.stringify(file)} } });
      ${script}
      const cache = Object.keys(createRequire(import.meta.url).cache);
      appendFileSync(${JSON.stringify(file)}, cache.join("\\n") + "\\n");
    `;
    await run(process.execPath, ["--input-type=module", "-e", wrapped], { cwd });
    return (await readFile(file, "utf8")).split("\n").filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
