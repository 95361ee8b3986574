// Host patterns of the egress allow-list: `example.com`, `*.example.com`, an IP literal, each with
// an optional `:port`. Parsing, matching and "is this pattern inside that one" live together so the
// proxy and the request/config merge can never disagree on what a pattern means.

/** Ports a pattern without `:port` allows: plain HTTP and TLS, nothing else (no SSH, SMTP, …). */
export const DEFAULT_EGRESS_PORTS: readonly number[] = [80, 443];

export interface HostPattern {
  /** Lowercase, no trailing dot; an IPv6 literal without its brackets. */
  host: string;
  /** `*.host`: any name below `host`, at any depth, never `host` itself. */
  wildcard: boolean;
  /** Undefined: DEFAULT_EGRESS_PORTS. */
  port: number | undefined;
  kind: "name" | "ipv4" | "ipv6";
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Shape only (hex groups and colons, an optional dotted tail); the proxy canonicalises with ipaddr.js.
const IPV6 = /^[0-9a-f:]*:[0-9a-f:]*(\d+\.\d+\.\d+\.\d+)?$/;

function parsePort(text: string): number | string {
  if (!/^\d{1,5}$/.test(text)) return `port "${text}" is not a number`;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : `port ${port} is out of range (1-65535)`;
}

/** A name of one or more DNS labels (letters, digits, '-'), at most 253 characters. */
export function isHostName(host: string): boolean {
  return host.length <= 253 && host.split(".").every((label) => LABEL.test(label));
}

/** Parses a pattern, or returns why it is not one (a sentence for a 400 or a config error). */
export function parseHostPattern(text: string): HostPattern | string {
  const lower = text.trim().toLowerCase();
  let hostPart = lower;
  let port: number | undefined;
  if (lower.startsWith("[")) {
    const end = lower.indexOf("]");
    if (end < 0) return "an IPv6 literal needs its closing ']'";
    hostPart = lower.slice(1, end);
    const rest = lower.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return `unexpected "${rest}" after the IPv6 literal`;
      const parsed = parsePort(rest.slice(1));
      if (typeof parsed === "string") return parsed;
      port = parsed;
    }
    if (!IPV6.test(hostPart)) return `"${hostPart}" is not an IPv6 address`;
    return { host: hostPart, wildcard: false, port, kind: "ipv6" };
  }
  const colon = lower.lastIndexOf(":");
  if (colon >= 0) {
    if (lower.indexOf(":") !== colon) return "write an IPv6 literal in brackets: [2001:db8::1]:443";
    const parsed = parsePort(lower.slice(colon + 1));
    if (typeof parsed === "string") return parsed;
    port = parsed;
    hostPart = lower.slice(0, colon);
  }
  if (hostPart.endsWith(".")) hostPart = hostPart.slice(0, -1);
  const wildcard = hostPart.startsWith("*.");
  const host = wildcard ? hostPart.slice(2) : hostPart;
  if (host.includes("*")) return "'*' may only stand alone as the first label: *.example.com";
  if (IPV4.test(host)) {
    if (wildcard) return "an IP address cannot have a wildcard";
    return { host, wildcard, port, kind: "ipv4" };
  }
  if (host === "" || !isHostName(host)) return `"${host}" is not a host name`;
  // "*.1" or "10.0.0.*"-like patterns would read as address ranges; names end in a non-number.
  if (/^\d+$/.test(host.slice(host.lastIndexOf(".") + 1))) {
    return `"${hostPart}" is neither a host name nor an IPv4 address`;
  }
  return { host, wildcard, port, kind: "name" };
}

/** The canonical text of a parsed pattern (what configs and policies carry). */
export function formatHostPattern(pattern: HostPattern): string {
  const host = pattern.kind === "ipv6" ? `[${pattern.host}]` : pattern.host;
  const name = pattern.wildcard ? `*.${host}` : host;
  return pattern.port === undefined ? name : `${name}:${pattern.port}`;
}

function portAllowed(pattern: HostPattern, port: number): boolean {
  return pattern.port === undefined ? DEFAULT_EGRESS_PORTS.includes(port) : pattern.port === port;
}

/**
 * Whether `host:port` is allowed by the pattern. `host` must already be lowercase, without a
 * trailing dot, and (for IP literals) in the same canonical text as the pattern's.
 */
export function hostPatternMatches(pattern: HostPattern, host: string, port: number): boolean {
  if (!portAllowed(pattern, port)) return false;
  if (pattern.wildcard) return host.endsWith(`.${pattern.host}`);
  return host === pattern.host;
}

/** Whether every destination `inner` allows is also allowed by `outer` (a request may only narrow). */
export function hostPatternCovers(outer: HostPattern, inner: HostPattern): boolean {
  const ports = inner.port === undefined ? DEFAULT_EGRESS_PORTS : [inner.port];
  if (!ports.every((port) => portAllowed(outer, port))) return false;
  if (!outer.wildcard) return !inner.wildcard && inner.host === outer.host;
  if (inner.kind !== "name") return false;
  return inner.host.endsWith(`.${outer.host}`) || (inner.wildcard && inner.host === outer.host);
}
