// Error messages name paths as the sandbox sees them, never the server's own directories.
import { checkBwrap } from "@sandcaster/core";
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const bwrap = await checkBwrap(undefined, process.execPath);
const required = process.env.SANDCASTER_REQUIRE_BWRAP === "1";
if (!bwrap.ok && !required)
  console.log("bubblewrap missing: bwrap case skipped (apt-get install bubblewrap)");
const MODES = [...(bwrap.ok || required ? (["bwrap"] as const) : []), "none" as const];

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

it.each(MODES)(
  "a staging failure names /workspace paths, not host temp dirs (local, %s)",
  async (isolation) => {
    t = await startTestServer({ turns: [{ text: "never" }], localIsolation: isolation });
    // `a` is a file, so `a/b` cannot be staged under it.
    const events = await readEvents(
      await postQuery(t.url, { prompt: "p", files: { a: "1", "a/b": "2" } }),
    );
    const error = events.at(-1)?.data as { type: string; code?: string; content: string };
    expect(error).toMatchObject({ type: "error", code: "SANDBOX_IO_FAILED" });
    expect(error.content).not.toMatch(/sandcaster-local-|\/tmp\//);
    // Unisolated, the sandbox sees host paths: the message names the path within the workspace.
    expect(error.content).toContain(
      isolation === "bwrap" ? "files: /workspace/a exists" : "files: a exists",
    );
  },
);
