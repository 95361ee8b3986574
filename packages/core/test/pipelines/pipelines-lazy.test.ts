// The pipeline parser (micromark, mdast) is loaded only when a pipeline is started: a server that
// never runs one never pays its memory. Checked in a fresh Node process on the build.
import { fileURLToPath } from "node:url";
import { modulesLoadedBy } from "@sandcaster/testkit";
import { describe, expect, it } from "vitest";

const core = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const cwd = fileURLToPath(new URL("../..", import.meta.url));

/** Whether importing core (then running `then`) loaded micromark in a new process. */
async function parserLoadedAfter(then: string): Promise<boolean> {
  const loaded = await modulesLoadedBy(
    `const core = await import(${JSON.stringify(core)});\n${then}`,
    cwd,
  );
  // The hook saw core itself load: a hook that recorded nothing would make the check vacuous.
  expect(loaded.some((url) => url.endsWith("/dist/run/start-run.js"))).toBe(true);
  return loaded.some((url) => url.includes("/node_modules/micromark"));
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
