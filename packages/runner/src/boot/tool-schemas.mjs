// Build time: the JSON Schemas of the built-in tools (src/tools/index.ts), made once here instead
// of on every cold boot. zod's toJSONSchema ran for each tool at the runner's top level: ~15 ms
// CPU of a cold boot (measured), for six values fixed by the source. The runner's bundle gets them
// as a constant (build.mjs `define`); tools/define.ts falls back to converting at run time for any
// tool the table does not name (sub-agents', composite, branching: built from a run's config).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The name the runner's source reads the table by (tools/define.ts). */
export const TOOL_SCHEMAS_CONSTANT = "__SANDCASTER_TOOL_INPUT_SCHEMAS__";

/** Tool name → its input JSON Schema, from the source as it is now (bundled and run apart). */
export async function builtInToolSchemas(build, bundleOptions, runnerDir) {
  const bundled = await build({
    ...bundleOptions,
    entryPoints: [join(runnerDir, "src/tools/index.ts")],
    format: "esm",
    outfile: "tools.mjs",
    // The table itself is what this computes: every tool converts at run time here.
    define: { [TOOL_SCHEMAS_CONSTANT]: "undefined" },
  });
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-tool-schemas-"));
  try {
    const file = join(dir, "tools.mjs");
    await writeFile(file, bundled.outputFiles[0].text);
    const { ALL_TOOLS } = await import(pathToFileURL(file).href);
    return Object.fromEntries(ALL_TOOLS.map((tool) => [tool.name, tool.inputSchema]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
