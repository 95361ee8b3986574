// The bundle sends the built-in tools' JSON Schemas from a table made at build time
// (src/boot/tool-schemas.mjs), not converted at run time: they must be exactly what the source's
// zod schemas convert to, and the tools must still check their input with those schemas.
import { afterEach, describe, expect, it } from "vitest";
import { ALL_TOOLS } from "../src/tools/index.js";
import { PROVIDERS } from "./providers.js";
import { makeWorkspace, ofType, runBundle, type Workspace } from "./run-bundle.js";

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
});

describe("the bundle's built-in tools", () => {
  it("are offered with the JSON Schemas the source's zod schemas make, and check their input", async () => {
    ws = await makeWorkspace();
    const p = PROVIDERS[0] as (typeof PROVIDERS)[number];
    const double = await p.start([
      // Not a string: the tool's own schema (made on first use) must refuse it.
      { toolCalls: [{ name: "read_file", input: { path: 42 } }] },
      { text: "done" },
    ]);
    try {
      const run = await runBundle(ws, { prompt: "hi", model: p.model }, p.env(double));
      expect(run.exitCode, run.stderr).toBe(0);
      const body = double.requests[0]?.body as
        | { tools: { name: string; input_schema: unknown }[] }
        | undefined;
      const sent = body?.tools ?? [];
      expect(sent.map((t) => [t.name, t.input_schema])).toEqual(
        ALL_TOOLS.map((t) => [t.name, t.inputSchema]),
      );
      expect(ofType(run.events, "tool_result")[0]).toMatchObject({
        toolName: "read_file",
        isError: true,
        content: expect.stringContaining("invalid input"),
      });
    } finally {
      await double.close();
    }
  });
});
