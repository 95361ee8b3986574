// A run on a server (an SDK RunStream: POST /query or POST /pipelines) as the CLI's RunHandle.
// Cancel = POST /runs/:id/cancel, then the stream ends by itself with the server's CANCELLED
// error (the proof the sandbox is gone); if that request fails, leaving the stream cancels it.
import type { SandcasterEvent } from "@sandcaster/protocol";
import type { RunEvent, RunStream, SandcasterClient } from "@sandcaster/sdk";
import type { RunHandle } from "../run-types.js";
import { explainServerError } from "./server-client.js";

/** How long a cancelled run may take to end before we stop waiting for its stream. */
const CANCEL_WAIT_MS = 30_000;
const POLL_MS = 250;

/**
 * Connects (the first event read sends the request), so that a refusal rejects here, before
 * anything is shown, as the server's reason; the handle then relays the rest of the stream.
 */
export async function remoteRun(
  client: SandcasterClient,
  stream: RunStream,
  where: { url: string; command: string },
): Promise<RunHandle> {
  const iterator = stream[Symbol.asyncIterator]();
  let first: IteratorResult<RunEvent>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw explainServerError(error, where.url, where.command);
  }
  let left = false;

  async function* events(): AsyncGenerator<SandcasterEvent> {
    try {
      // Events of types this CLI does not know pass through (--json shows them; the renderer skips).
      for (let next = first; !next.done; next = await iterator.next())
        yield next.value as SandcasterEvent;
    } catch (error) {
      if (!left) throw explainServerError(error, where.url, where.command);
    }
  }

  /** Leaves the stream (the server then cancels the run) and waits until its record says it ended. */
  async function leaveAndWait(id: string): Promise<void> {
    left = true;
    stream.abort("the cancel request failed");
    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      const run = await client.runs.get(id).catch(() => undefined);
      if (run && run.status !== "running" && run.status !== "queued") return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  return {
    events: events(),
    runId: () => stream.runId,
    async cancel() {
      const id = stream.runId;
      if (!id) {
        left = true;
        stream.abort("cancelled before the run had an id");
        return;
      }
      try {
        await client.runs.cancel(id);
      } catch {
        await leaveAndWait(id);
        return;
      }
      setTimeout(() => {
        left = true;
        stream.abort("the cancelled run did not end in time");
      }, CANCEL_WAIT_MS).unref();
    },
    async close() {
      left = true;
      stream.abort("the command stopped");
    },
  };
}
