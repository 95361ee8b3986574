// Session workspace archives stream: a 2 GB (sparse) file downloads with the server's memory flat,
// and an upload over sessions.maxArchiveBytes gets a 413 naming the limit.
import { checkBwrap } from "@sandcaster/core";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const bwrap = await checkBwrap(undefined, process.execPath);
const required = process.env.SANDCASTER_REQUIRE_BWRAP === "1";
if (!bwrap.ok && !required) {
  console.log("bubblewrap missing: the bwrap case is skipped (apt-get install bubblewrap)");
}
const MODES = [...(bwrap.ok || required ? (["bwrap"] as const) : []), "none" as const];
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function sessionWith(command: string, isolation: "bwrap" | "none") {
  t = await startTestServer({
    turns: [{ toolCalls: [{ name: "bash", input: { command } }] }, { text: "done" }],
    sandbox: "local",
    localIsolation: isolation,
    config: { sessions: { maxArchiveBytes: MiB } },
  });
  const created = await fetch(new URL("/sessions", t.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  const { id } = (await created.json()) as { id: string };
  const events = await readEvents(await postQuery(t.url, { prompt: "go", sessionId: id }));
  expect(events.at(-1)?.data).toMatchObject({ type: "result" });
  return { server: t, id };
}

/** Reads a response body to the end, counting bytes and keeping none. */
async function drain(response: Response): Promise<number> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return total;
    total += value.byteLength;
  }
}

describe.each(MODES)("workspace archives stream (local, isolation %s)", (isolation) => {
  it("a 2 GB sparse file downloads with server RSS growth under 64 MB", async () => {
    const { server, id } = await sessionWith(
      "truncate -s 2G big.bin && printf end > small.txt",
      isolation,
    );
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 20);
    try {
      const response = await fetch(new URL(`/sessions/${id}/workspace`, server.url));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/x-tar");
      const bytes = await drain(response);
      // Both files, their headers and the end blocks: the whole 2 GiB went through.
      expect(bytes).toBeGreaterThan(2 * GiB);
      expect(bytes).toBeLessThan(2 * GiB + 64 * 1024);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage.rss());
    const growth = peak - before;
    console.log(
      `RSS growth during the 2 GiB download (${isolation}): ${(growth / MiB).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(64 * MiB);
  }, 300_000);

  it("an upload over sessions.maxArchiveBytes gets 413 naming the limit, workspace unchanged", async () => {
    const { server, id } = await sessionWith("printf keep > keep.txt", isolation);
    const url = new URL(`/sessions/${id}/workspace`, server.url);
    const tooBig = new Uint8Array(2 * MiB);
    // Declared length over the limit: refused before a byte is read.
    const declared = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/x-tar" },
      body: tooBig,
    });
    expect(declared.status).toBe(413);
    const body = (await declared.json()) as { code: string; error: string; details: unknown };
    expect(body.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.error).toContain(`sessions.maxArchiveBytes (${MiB} bytes)`);
    expect(body.details).toEqual([
      { field: "sessions.maxArchiveBytes", message: `at most ${MiB} bytes` },
    ]);
    // No length (chunked): cut off once the limit is passed.
    const chunked = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/x-tar" },
      body: new Blob([tooBig]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { code: string }).code).toBe("PAYLOAD_TOO_LARGE");
    // The workspace is as the turn left it.
    const download = await fetch(url);
    const tar = Buffer.from(await download.arrayBuffer());
    expect(tar.includes("keep.txt")).toBe(true);
  }, 120_000);
});
