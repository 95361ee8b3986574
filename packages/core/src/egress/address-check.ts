// Which resolved addresses the egress proxy refuses to connect to: anything but global unicast
// (loopback, RFC 1918, ULA, link-local, CGNAT, multicast, unspecified, reserved, cloud metadata)
// and the server's own addresses. Ranges come from ipaddr.js rather than a hand-kept CIDR table.
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import ipaddr from "ipaddr.js";

/** Metadata services of the clouds this may run on; named in refusals so operators see why. */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254", "100.100.100.200"]);

/** NAT64's well-known prefix (RFC 6052) embeds an IPv4 address, which is what gets reached. */
const NAT64 = ipaddr.parseCIDR("64:ff9b::/96");

/**
 * One canonical text per address (`::ffff:127.0.0.1` → `127.0.0.1`, `0:0::1` → `::1`), or
 * undefined for anything that is not a strict IP literal (zone ids, `0x7f.1`, names).
 */
export function canonicalAddress(text: string): string | undefined {
  if (isIP(text) === 0) return undefined;
  try {
    return ipaddr.process(text).toString();
  } catch {
    return undefined;
  }
}

/** The addresses of this host's interfaces, canonical; read afresh so new interfaces count. */
export function serverAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) {
      const canonical = canonicalAddress(entry.address.split("%")[0] ?? "");
      if (canonical) out.add(canonical);
    }
  }
  return out;
}

function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray().slice(12);
  return ipaddr.fromByteArray(bytes) as ipaddr.IPv4;
}

function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).match(NAT64)) {
    const inner = embeddedIpv4(address as ipaddr.IPv6);
    const range = inner.range();
    return range === "unicast" ? "unicast" : `NAT64 of ${inner.toString()} (${range})`;
  }
  return address.range();
}

export interface AddressRules {
  /** Exact canonical addresses the operator exempted (sandcaster.json network.allowAddresses). */
  allowAddresses: ReadonlySet<string>;
  /** This server's own addresses (serverAddresses()), refused even when public. */
  ownAddresses: ReadonlySet<string>;
}

/** Why the proxy must not connect to `address`, or undefined when it may. Default deny. */
export function refusedAddress(address: string, rules: AddressRules): string | undefined {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) return `"${address}" is not an address that can be checked`;
  if (rules.allowAddresses.has(canonical)) return undefined;
  if (METADATA_ADDRESSES.has(canonical)) return `${canonical} is a cloud metadata address`;
  const range = rangeOf(ipaddr.parse(canonical));
  if (range !== "unicast") return `${canonical} is not a public address (${range})`;
  // A public address of this very machine reaches its services as surely as loopback does.
  if (rules.ownAddresses.has(canonical)) return `${canonical} is an address of this server`;
  return undefined;
}

/** Canonical forms of the operator's exemptions; an entry that is no address is dropped. */
export function canonicalSet(addresses: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const text of addresses) {
    const canonical = canonicalAddress(text);
    if (canonical) out.add(canonical);
  }
  return out;
}
