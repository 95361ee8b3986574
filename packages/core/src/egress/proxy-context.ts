// What the CONNECT and plain-HTTP handlers share of one proxy: the admission check, its bounds,
// connection slots, and the set of live streams that close() ends.
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Admit, EgressDenial } from "./admit.js";
import type { Destination, DestinationResult } from "./destination.js";
import type { EgressLimits } from "./egress-proxy.js";

export interface ProxyContext {
  readonly admit: Admit;
  readonly limits: EgressLimits;
  /** True once the run is over: nothing new is opened. */
  readonly closed: boolean;
  denied(host: string, denial: EgressDenial): void;
  /** A connection slot and its (idempotent) release, or undefined when none is free or closed. */
  acquire(): (() => void) | undefined;
  /** Destroyed by close(); forgotten when it closes by itself. */
  track(stream: Duplex): void;
}

/** The header a refusal carries, so a client (or a test) can tell it from an upstream's 403. */
export const DENIED_HEADER = "x-sandcaster-error";

/** The text a refused client reads: says who refused and why, with the error code. */
export function refusalBody(message: string, denied: boolean): string {
  return `sandcaster egress${denied ? " (EGRESS_DENIED)" : ""}: ${message}\n`;
}

/** Host text safe for a log line or a warning: bounded and printable. */
export function printableHost(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 260);
}

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`;
}

export type Started =
  | { ok: true; destination: Destination; release: () => void }
  | { ok: false; status: 400 | 429 | 503; message: string; denied: boolean };

/** The checks before any lookup: a well-formed target and a free slot. Refusals are reported. */
export function start(
  context: ProxyContext,
  target: DestinationResult,
  rawTarget: string,
): Started {
  if (!target.ok) {
    const host = printableHost(rawTarget);
    context.denied(host, { kind: "invalid", message: target.message });
    return { ok: false, status: 400, message: target.message, denied: true };
  }
  const { destination } = target;
  if (context.closed) {
    return { ok: false, status: 503, message: "this run has ended", denied: false };
  }
  const release = context.acquire();
  if (!release) {
    const message = `too many open connections for this run (at most ${context.limits.maxConnections})`;
    context.denied(destination.host, { kind: "limit", message, port: destination.port });
    return { ok: false, status: 429, message, denied: true };
  }
  return { ok: true, destination, release };
}
