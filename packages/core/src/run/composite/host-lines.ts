// Recognises the runner's host-request lines among its stdout events. They are answered on the
// runner's stdin and never relayed to the client.
import {
  describeIssues,
  HOST_REQUEST,
  type HostRequest,
  HostRequestSchema,
} from "@sandcaster/protocol";

export type HostLine =
  | { kind: "request"; request: HostRequest }
  | { kind: "invalid"; id: string | undefined; reason: string };

/** undefined when the line is not a host request at all (then it is an event, or garbage). */
export function readHostLine(text: string): HostLine | undefined {
  if (!text.includes(HOST_REQUEST)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (
    typeof json !== "object" ||
    json === null ||
    (json as { type?: unknown }).type !== HOST_REQUEST
  ) {
    return undefined;
  }
  const parsed = HostRequestSchema.safeParse(json);
  if (parsed.success) return { kind: "request", request: parsed.data };
  const id = (json as { id?: unknown }).id;
  return {
    kind: "invalid",
    id: typeof id === "string" && id.length <= 100 ? id : undefined,
    reason: `invalid host request: ${describeIssues(parsed.error)}`,
  };
}
