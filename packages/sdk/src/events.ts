// What a run stream yields: the protocol's typed events, plus events of types this SDK does not know.
import type { SandcasterEvent, SandcasterEventType } from "@sandcaster/protocol";
import { SandcasterError } from "./errors.js";
import type { EventSourceMessage } from "./sse.js";

/**
 * An event whose `type` this version of the SDK does not know (a newer server), passed through as
 * the server sent it rather than dropped.
 */
export interface UnknownEvent {
  type: string;
  [field: string]: unknown;
}

/**
 * One event of a run. TypeScript cannot narrow a union with an open `type: string` member, so
 * narrow with `isKnownEvent` first, then `switch (event.type)`.
 */
export type RunEvent = SandcasterEvent | UnknownEvent;

/** A branching run's own events, by type: `EventOf<"branch_selected">` has `reason` and `scores`. */
export type EventOf<T extends SandcasterEventType> = Extract<SandcasterEvent, { type: T }>;

/** Which branch (`branchId`) and sub-agent (`agent`) produced an event; both absent: the run's own agent. */
export function eventSource(event: RunEvent): { branchId?: string; agent?: string } {
  const branchId =
    "branchId" in event && typeof event.branchId === "string" ? event.branchId : undefined;
  const agent = "agent" in event && typeof event.agent === "string" ? event.agent : undefined;
  return { ...(branchId ? { branchId } : {}), ...(agent ? { agent } : {}) };
}

// A Record keyed by the union: adding an event type to the protocol fails to compile until it is listed.
const KNOWN: Record<SandcasterEventType, true> = {
  system: true,
  assistant: true,
  thinking: true,
  tool_use: true,
  tool_result: true,
  tool_output: true,
  file: true,
  result: true,
  stderr: true,
  warning: true,
  error: true,
  step_start: true,
  stdout: true,
  step_end: true,
  branch_request: true,
  confidence_report: true,
  branch_start: true,
  branch_progress: true,
  branch_complete: true,
  branch_selected: true,
  branch_summary: true,
};

/** True for the event types of `@sandcaster/protocol`; narrows to `SandcasterEvent`. */
export function isKnownEvent(event: RunEvent): event is SandcasterEvent {
  return Object.hasOwn(KNOWN, event.type);
}

/** The event in an SSE message: its JSON `data`, typed by `type` (or the SSE `event:` name). */
export function eventFromMessage(message: EventSourceMessage): RunEvent {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw new SandcasterError(
      `event ${message.id ?? "?"} is not JSON: ${message.data.slice(0, 80)}`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new SandcasterError(`event ${message.id ?? "?"} is not a JSON object`);
  }
  const fields = data as Record<string, unknown>;
  const type = typeof fields.type === "string" ? fields.type : (message.event ?? "message");
  return { ...fields, type } as RunEvent;
}
