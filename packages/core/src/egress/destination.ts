// Where a proxied request wants to go: CONNECT's `host:port`, an absolute `http://` URI, or (for an
// origin-form request) the Host header. Anything else is refused before a name is looked up.
import { isIP } from "node:net";
import { isHostName } from "@sandcaster/protocol";

export interface Destination {
  /** Lowercase, no trailing dot; an IPv6 literal without brackets. */
  host: string;
  port: number;
  /** Plain HTTP only: the origin-form path and query to ask the upstream for. */
  path?: string;
}

export type DestinationResult =
  | { ok: true; destination: Destination }
  | { ok: false; message: string };

const AUTHORITY = /^(\[[0-9a-f:.]+\]|[^\s:/[\]@]+)(?::(\d{1,5}))?$/i;
const MAX_AUTHORITY = 300;

function fail(message: string): DestinationResult {
  return { ok: false, message };
}

function checkHost(raw: string): string | undefined {
  const host = raw
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  if (raw.startsWith("[")) return isIP(host) === 6 ? host : undefined;
  return isIP(host) === 4 || isHostName(host) ? host : undefined;
}

/** `host:port` (CONNECT) or `host[:port]` (Host header, where the port defaults to 80). */
export function parseAuthority(text: string, defaultPort?: number): DestinationResult {
  if (text.length > MAX_AUTHORITY) return fail("the target is too long");
  const match = AUTHORITY.exec(text);
  if (!match?.[1]) return fail("the target is not host:port");
  const host = checkHost(match[1]);
  if (!host) return fail(`"${match[1]}" is not a host name or IP address`);
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port === undefined) return fail("CONNECT needs host:port");
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return fail("the port is out of range");
  return { ok: true, destination: { host, port } };
}

/** An absolute-form `http://…` request target, or an origin-form one with its Host header. */
export function parseRequestTarget(url: string, hostHeader: string | undefined): DestinationResult {
  if (url.startsWith("/")) {
    if (!hostHeader) return fail("a proxied request needs an absolute URI or a Host header");
    const parsed = parseAuthority(hostHeader, 80);
    return parsed.ok ? { ok: true, destination: { ...parsed.destination, path: url } } : parsed;
  }
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return fail("the request target is not a URL");
  }
  if (target.protocol !== "http:") {
    return fail(
      `only http:// goes through as a plain request (${target.protocol}// needs CONNECT)`,
    );
  }
  const authority = target.port ? `${target.hostname}:${target.port}` : target.hostname;
  const parsed = parseAuthority(authority, 80);
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    destination: { ...parsed.destination, path: target.pathname + target.search },
  };
}
