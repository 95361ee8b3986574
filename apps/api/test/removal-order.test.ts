// A run's sandbox is removed after its client has the run's end, never before: removing a
// container (~175 ms on docker) is not on the client's critical path. A session turn is the
// exception (its workspace must be free before the client can start the next turn).
// The server's destroy is held until the client has read `result` and seen the stream end
// (bounded, destroy-watch.ts). Agent invocations and pipelines: removal-order-runs.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { watchDestroys } from "./destroy-watch.js";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery } from "./sse.js";

const SANDBOXES = await sandboxCases();

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe.each(SANDBOXES)("removing the sandbox on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "waits until the client has the result and its stream has ended",
    async () => {
      const watch = watchDestroys();
      t = await startTestServer({
        turns: [{ text: "done" }],
        sandbox,
        wrapProvider: watch.wrap,
        ...(sandbox === "docker" ? { modelHost: await bridgeGateway() } : {}),
      });
      const response = await postQuery(t.url, { prompt: "quick" });
      const runId = response.headers.get("x-run-id") ?? "";
      const events = await watch.read(response);
      expect(events.at(-1)?.type).toBe("result");
      // Removal starts after the stream's end; the run is over (and polled for) once it is done.
      expect(await expectNoLeftovers(runId)).toEqual([]);
      expect(watch.destroys).toEqual([{ result: true, streamEnd: true }]);
    },
    120_000,
  );
});
