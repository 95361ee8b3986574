// The HTTP calls a RunStream makes besides its first connection: resume, read the record, cancel.
import type { RunRecord } from "@sandcaster/protocol";
import type { RunSource } from "./run-stream.js";
import type { Transport } from "./transport.js";

export interface RunSourceSettings {
  /** The first connection. */
  open: (signal: AbortSignal) => Promise<Response>;
  headers: Record<string, string> | undefined;
  /** Cancel the run when the caller leaves a re-attached stream (the "cancel" disconnect policy). */
  cancelOnLeave: boolean;
}

export const runPath = (runId: string): string => `/runs/${encodeURIComponent(runId)}`;

/** GET /runs/:id/events, after `after` when given (the Last-Event-ID header, as EventSource sends it). */
export function openRunEvents(
  transport: Transport,
  runId: string,
  after: number | undefined,
  signal: AbortSignal,
  headers: Record<string, string> | undefined,
): Promise<Response> {
  return transport.stream({
    method: "GET",
    path: `${runPath(runId)}/events`,
    headers: after === undefined ? headers : { ...headers, "last-event-id": String(after) },
    signal,
  });
}

export function runSource(transport: Transport, settings: RunSourceSettings): RunSource {
  const { headers } = settings;
  return {
    open: settings.open,
    resume: (runId, after, signal) => openRunEvents(transport, runId, after, signal, headers),
    getRun: (runId, signal) =>
      transport.json<RunRecord>({ method: "GET", path: runPath(runId), headers, signal }),
    cancel: settings.cancelOnLeave
      ? (runId) => transport.json({ method: "POST", path: `${runPath(runId)}/cancel`, headers })
      : undefined,
  };
}
