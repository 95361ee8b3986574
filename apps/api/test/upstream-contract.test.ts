// A client written to the upstream Sandcaster SDK's published contract (its documented types, not
// ours) against the real server: what an existing upstream client reads must keep working.
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";

/** The upstream SDK's documented run record (`Run`), as a client of it is typed. */
interface UpstreamRun {
  id: string;
  prompt: string;
  model?: string;
  status: "running" | "completed" | "error";
  startedAt: string;
  costUsd?: number;
  numTurns?: number;
  durationSecs?: number;
  error?: string;
  filesCount: number;
}

/** The upstream SDK's `listRuns()`: GET /runs, the body read as an array of runs. */
async function listRuns(
  baseUrl: string,
  path = "/runs",
): Promise<{ runs: UpstreamRun[]; next?: string }> {
  const response = await fetch(new URL(path, baseUrl));
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const runs = (await response.json()) as UpstreamRun[];
  const next = /<([^>]*)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
  return next ? { runs, next } : { runs };
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("the upstream SDK's contract", () => {
  it("listRuns() gets an array; the next page is in a Link header; a failure's error is a string", async () => {
    t = await startTestServer({ turns: [] });
    const started = Date.now() - 10_000;
    for (let i = 0; i < 3; i++) {
      await t.store.createRun({
        id: `run-${i}`,
        prompt: `p${i}`,
        startedAt: new Date(started + i),
      });
    }
    await t.store.finishRun("run-1", {
      status: "error",
      endedAt: new Date(started + 5000),
      durationSecs: 5,
      error: { code: "TIMEOUT", message: "the run took longer than 5 s" },
      filesCount: 0,
    });
    const all = await listRuns(t.url);
    expect(Array.isArray(all.runs)).toBe(true);
    expect(all.runs.map((r) => r.id)).toEqual(["run-2", "run-1", "run-0"]);
    expect(all.next).toBeUndefined();
    const failed = all.runs.find((r) => r.id === "run-1");
    expect(failed).toMatchObject({ status: "error", error: "the run took longer than 5 s" });
    expect(typeof failed?.error).toBe("string");
    expect(failed).toMatchObject({ errorCode: "TIMEOUT" });

    const first = await listRuns(t.url, "/runs?limit=2");
    expect(first.runs.map((r) => r.id)).toEqual(["run-2", "run-1"]);
    expect(first.next).toMatch(/^\/runs\?limit=2&cursor=/);
    const second = await listRuns(t.url, first.next);
    expect(second.runs.map((r) => r.id)).toEqual(["run-0"]);
    expect(second.next).toBeUndefined();
  });
});
