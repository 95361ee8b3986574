// Holds each sandbox's removal until the client has read the run's end (bounded): what the
// removal-order tests use to prove a run's stream ends before its sandbox is removed. A server
// that removed the sandbox first, or held the stream open until the sandbox was gone, would never
// get there while held, and the watch records that the hold ran out.
import type { Sandbox, SandboxProvider } from "@sandcaster/core";
import type { SandcasterEvent } from "@sandcaster/protocol";
import { readEvents } from "./sse.js";

/** How long a held destroy waits for the client before giving up (the failure case). */
export const HOLD_LIMIT_MS = 20_000;

export interface DestroyWatch {
  /** Wraps a provider: every sandbox it makes has its destroy held. */
  wrap(provider: SandboxProvider): SandboxProvider;
  /** For each destroy: what the client had when it was held (false: the hold ran out first). */
  destroys: { result: boolean; streamEnd: boolean }[];
  /** Reads the response to its end as a client would, telling the held destroys what it has read. */
  read(response: Response): Promise<SandcasterEvent[]>;
}

function signal(): { promise: Promise<true>; fire: () => void } {
  let fire: () => void = () => undefined;
  const promise = new Promise<true>((resolve) => {
    fire = () => resolve(true);
  });
  return { promise, fire };
}

export function watchDestroys(): DestroyWatch {
  const result = signal();
  const streamEnd = signal();
  const destroys: DestroyWatch["destroys"] = [];
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
    destroys,
    async read(response) {
      const events = await readEvents(response, {
        until: (event) => {
          if (event.data.type === "result") result.fire();
          return false;
        },
      });
      streamEnd.fire();
      return events.map((event) => event.data);
    },
  };
}
