// A run on a server as a RunHandle: POST /query's stream; cancel = POST /runs/:id/cancel, then the
// stream ends by itself with the server's CANCELLED error (the proof the sandbox is gone).
import type { QueryRequestInput, SandcasterEvent } from "@sandcaster/protocol";
import type { RunHandle } from "../run-types.js";
import type { RemoteClient } from "./remote-client.js";

/** How long a cancelled run may take to end before we stop waiting for its stream. */
const CANCEL_WAIT_MS = 30_000;
const POLL_MS = 250;

export async function startRemoteRun(
  client: RemoteClient,
  request: QueryRequestInput,
): Promise<RunHandle> {
  const controller = new AbortController();
  const stream = await client.query(request, controller.signal);
  let runId = stream.runId;

  async function* events(): AsyncGenerator<SandcasterEvent> {
    try {
      for await (const { event } of stream.events) {
        if (event.type === "system" && event.subtype === "init") runId ??= event.runId;
        yield event;
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error; // aborted by cancel(): the end we asked for
    }
  }

  /** When the cancel request itself failed: leaving the stream also cancels (onDisconnect). */
  async function leaveAndWait(id: string): Promise<void> {
    controller.abort();
    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      const run = await client.getRun(id).catch(() => undefined);
      if (run && run.status !== "running" && run.status !== "queued") return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  return {
    events: events(),
    runId: () => runId,
    async cancel() {
      if (!runId) {
        controller.abort();
        return;
      }
      try {
        await client.cancelRun(runId);
      } catch {
        await leaveAndWait(runId);
        return;
      }
      setTimeout(() => controller.abort(), CANCEL_WAIT_MS).unref();
    },
    async close() {
      controller.abort();
    },
  };
}
