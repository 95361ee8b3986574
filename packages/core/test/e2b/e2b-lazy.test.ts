// The e2b SDK is loaded only when an e2b sandbox or template is used: a docker or local server
// (which imports all of core) never pays its memory. Checked in a fresh Node process on the build.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const core = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Whether importing core (then running `then`) left the e2b SDK loaded in a new process. */
async function e2bLoadedAfter(then: string): Promise<boolean> {
  const script = `
    import { createRequire } from "node:module";
    const core = await import(${JSON.stringify(core)});
    ${then}
    // e2b is CommonJS: once imported it is in the CommonJS cache.
    const cache = createRequire(import.meta.url).cache;
    console.log(Object.keys(cache).some((path) => path.includes("/node_modules/e2b/")));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
  });
  return stdout.trim() === "true";
}

describe("the e2b SDK is loaded on first use", () => {
  it("is not loaded by importing core and making the e2b provider", async () => {
    expect(await e2bLoadedAfter(`core.createE2BProvider({ apiKey: "e2b_test" });`)).toBe(false);
  }, 60_000);

  it("is loaded once the provider needs it (the check above can fail)", async () => {
    const sweep = `await core.createE2BProvider({ apiKey: "e2b_test", apiUrl: "http://127.0.0.1:9" })
      .sweepOrphans().catch(() => undefined);`;
    expect(await e2bLoadedAfter(sweep)).toBe(true);
  }, 60_000);
});
