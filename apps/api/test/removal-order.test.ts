// A run's sandbox is removed after its client has the run's end, never before: removing a
// container (~175 ms on docker) is not on the client's critical path. A session turn is the
// exception (its workspace must be free before the client can start the next turn).
// The server's destroy is held until the client has read `result` and seen the stream end
// (bounded): a server that removed the sandbox first, or held the stream open until the sandbox
// was gone, would never get there while held, and the test sees the hold run out.
import type { Sandbox, SandboxProvider } from "@sandcaster/core";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, expectNoLeftovers, sandboxCases } from "./leftovers.js";
import { postQuery, readEvents } from "./sse.js";

const SANDBOXES = await sandboxCases();
/** How long a held destroy waits for the client before giving up (the failure case). */
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
  /** The client's stream has ended. */
  streamEnded(): void;
  /** For each destroy: what the client had when it was held (false: the hold ran out first). */
  destroys: { result: boolean; streamEnd: boolean }[];
}

function signal(): { promise: Promise<true>; fire: () => void } {
  let fire: () => void = () => undefined;
  const promise = new Promise<true>((resolve) => {
    fire = () => resolve(true);
  });
  return { promise, fire };
}

function watchDestroys(): Watch {
  const result = signal();
  const streamEnd = signal();
  const destroys: Watch["destroys"] = [];
  const hold = (sandbox: Sandbox): Sandbox => {
    const destroy = sandbox.destroy.bind(sandbox);
    sandbox.destroy = async () => {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), HOLD_LIMIT_MS);
      });
      const [read, ended] = await Promise.all([
        Promise.race([result.promise, gaveUp]),
        Promise.race([streamEnd.promise, gaveUp]),
      ]);
      clearTimeout(timer);
      destroys.push({ result: read, streamEnd: ended });
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
    resultRead: result.fire,
    streamEnded: streamEnd.fire,
    destroys,
  };
}

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
      const events = await readEvents(response, {
        until: (event) => {
          if (event.data.type === "result") watch.resultRead();
          return false;
        },
      });
      watch.streamEnded();
      expect(events.at(-1)?.data.type).toBe("result");
      // Removal starts after the stream's end; the run is over (and polled for) once it is done.
      expect(await expectNoLeftovers(runId)).toEqual([]);
      expect(watch.destroys).toEqual([{ result: true, streamEnd: true }]);
    },
    120_000,
  );
});
