// A run's sandbox is removed after its client has the run's end, never before: removing a
// container (~175 ms on docker) is not on the client's critical path. A session turn is the
// exception (its workspace must be free before the client can start the next turn).
// The server's destroy is held until the client has read `result` (bounded): a server that removed
// the sandbox first would never deliver it while held, and the test sees the hold run out.
import type { Sandbox, SandboxProvider } from "@sandcaster/core";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();
/** How long a held destroy waits for the client's `result` before giving up (the failure case). */
const HOLD_LIMIT_MS = 20_000;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Watch {
  wrap(provider: SandboxProvider): SandboxProvider;
  /** The client has read `result`. */
  resultRead(): void;
  /** For each destroy: whether the client had read `result` while it was held. */
  destroys: boolean[];
}

function watchDestroys(): Watch {
  let read: () => void = () => undefined;
  const resultRead = new Promise<void>((resolve) => {
    read = resolve;
  });
  const destroys: boolean[] = [];
  const hold = (sandbox: Sandbox): Sandbox => {
    const destroy = sandbox.destroy.bind(sandbox);
    sandbox.destroy = async () => {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), HOLD_LIMIT_MS);
      });
      destroys.push(await Promise.race([resultRead.then(() => true), gaveUp]));
      clearTimeout(timer);
      return destroy();
    };
    return sandbox;
  };
  return {
    wrap: (provider) => ({
      ...provider,
      isAvailable: (signal) => provider.isAvailable(signal),
      create: async (options) => hold(await provider.create(options)),
    }),
    resultRead: read,
    destroys,
  };
}

describe.each(SANDBOXES)("removing the sandbox on $sandbox", ({ sandbox, enabled }) => {
  it.skipIf(!enabled)(
    "waits until the client has the result",
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
      const events = await readEvents(response, {
        until: (event) => {
          if (event.data.type === "result") watch.resultRead();
          return false;
        },
      });
      expect(events.at(-1)?.data.type).toBe("result");
      // The stream ends once the run is done, its sandbox removed included.
      expect(watch.destroys).toEqual([true]);
      expect(await expectNoLeftovers(runId)).toEqual([]);
    },
    120_000,
  );
});
