// The decision every proxied connection goes through, in order: the host by name against the
// policy, then each resolved address against the address rules, then a dial to a checked address.
import type { Socket } from "node:net";
import type { NetworkPolicy } from "@sandcaster/protocol";
import {
  canonicalAddress,
  canonicalSet,
  refusedAddress,
  serverAddresses,
} from "./address-check.js";
import type { Destination } from "./destination.js";
import { type Connect, DialError, dialFirst, MAX_ADDRESSES, type Resolve, within } from "./dial.js";
import { compilePolicy, normalizeHost } from "./policy-match.js";

/** Why the proxy refused: the policy (by name), the address a name resolved to, a bound, bad input. */
export type EgressDenialKind = "policy" | "address" | "limit" | "invalid";

export interface EgressDenial {
  kind: EgressDenialKind;
  /** A sentence for the agent and the run's warning event (never a secret: hosts and addresses). */
  message: string;
  port?: number;
}

export type Admission =
  | { ok: true; socket: Socket; address: string }
  | { ok: false; status: 403 | 502 | 504; message: string; denial?: EgressDenial };

export interface AdmitSettings {
  resolve: Resolve;
  connect: Connect;
  resolveTimeoutMs: number;
  connectTimeoutMs: number;
  /** Read per connection, so interfaces that appear later are still refused. */
  ownAddresses: () => ReadonlySet<string>;
}

export type Admit = (destination: Destination) => Promise<Admission>;

export function createAdmit(policy: NetworkPolicy, settings: AdmitSettings): Admit {
  const hostAllowed = compilePolicy(policy);
  const allowAddresses = canonicalSet(policy.allowAddresses);
  const deny = (kind: EgressDenialKind, message: string, port: number): Admission => ({
    ok: false,
    status: 403,
    message,
    denial: { kind, message, port },
  });

  async function addressesOf(host: string): Promise<string[]> {
    const literal = canonicalAddress(host);
    if (literal) return [literal];
    const found = await within(
      settings.resolve(host),
      settings.resolveTimeoutMs,
      `resolving ${host}`,
    );
    return found.slice(0, MAX_ADDRESSES);
  }

  return async function admit({ host, port }) {
    const verdict = hostAllowed(host, port);
    if (!verdict.ok) return deny("policy", verdict.message, port);
    let addresses: string[];
    try {
      addresses = await addressesOf(normalizeHost(host));
    } catch (error) {
      const timedOut = error instanceof DialError;
      return {
        ok: false,
        status: timedOut ? 504 : 502,
        message: timedOut ? error.message : `cannot resolve ${host}`,
      };
    }
    if (addresses.length === 0)
      return { ok: false, status: 502, message: `cannot resolve ${host}` };
    // One refused address refuses the name: a public name has no business resolving to 10.x too.
    const rules = { allowAddresses, ownAddresses: settings.ownAddresses() };
    for (const address of addresses) {
      const refused = refusedAddress(address, rules);
      if (refused) {
        const said = canonicalAddress(host) ? refused : `${host} resolves to ${refused}`;
        return deny("address", said, port);
      }
    }
    try {
      const socket = await dialFirst(settings.connect, addresses, port, settings.connectTimeoutMs);
      return { ok: true, socket, address: socket.remoteAddress ?? addresses[0] ?? "" };
    } catch (error) {
      return { ok: false, status: 502, message: (error as Error).message };
    }
  };
}

/** The server's interfaces as they are now (a new docker bridge counts at once). */
export const defaultOwnAddresses: () => ReadonlySet<string> = serverAddresses;
