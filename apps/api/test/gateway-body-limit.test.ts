// The server's request-body limit (limits.bodyLimitBytes) is for clients' requests. A remote
// sandbox's model calls reach the gateway through the same app (/gateway/…), and a conversation
// outgrows a client's limit after a few tool results: those calls are held to the gateway's own
// limit, as local and docker runs' calls (through the gateway socket) always were.
import { type E2BDouble, startE2BDouble } from "@sandcaster/testkit";
import { afterEach, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { postQuery, readEvents } from "./sse.js";

const LIMIT = 8 * 1024;
const OUTPUT_CHARS = 3 * LIMIT;

let t: TestServer | undefined;
let e2b: E2BDouble | undefined;
afterEach(async () => {
  await t?.close();
  await e2b?.close();
  t = undefined;
  e2b = undefined;
});

it("an e2b run whose conversation outgrows bodyLimitBytes still reaches its model", async () => {
  e2b = await startE2BDouble();
  t = await startTestServer({
    sandbox: "e2b",
    e2b,
    bodyLimitBytes: LIMIT,
    turns: [
      {
        text: "Printing.",
        toolCalls: [
          { name: "bash", input: { command: `head -c ${OUTPUT_CHARS} /dev/zero | tr '\\0' a` } },
        ],
      },
      { text: "done" },
    ],
  });
  const events = await readEvents(await postQuery(t.url, { prompt: "print" }));
  expect(events.at(-1)?.data, JSON.stringify(events.at(-1)?.data)).toMatchObject({
    type: "result",
    subtype: "success",
  });
  const second = JSON.stringify(t.double.requests[1]?.body ?? "");
  expect(second.length).toBeGreaterThan(LIMIT);
  expect(second).toContain("a".repeat(1000));

  // A client's own request is still held to the limit.
  const tooLarge = await postQuery(t.url, { prompt: "x".repeat(LIMIT) });
  expect(tooLarge.status).toBe(413);
  expect(await tooLarge.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
});
