// Name resolution and connection for the egress proxy. The proxy resolves a name once, checks
// every address, then connects to one of those very addresses: the upstream socket never looks
// the name up again, so a DNS answer that changes between check and connect (rebinding) is moot.
import { lookup } from "node:dns/promises";
import { connect as netConnect, type Socket } from "node:net";

/** A name's addresses; tests inject one that maps fake names to their test hosts. */
export type Resolve = (host: string) => Promise<string[]>;
/** Opens a TCP connection to an IP address (never a name). */
export type Connect = (address: string, port: number) => Socket;

/** At most this many addresses of one name are checked and tried. */
export const MAX_ADDRESSES = 16;

export const systemResolve: Resolve = async (host) => {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
};

export const systemConnect: Connect = (address, port) => netConnect({ host: address, port });

export class DialError extends Error {
  override readonly name = "DialError";
}

/** Rejects with DialError after `ms`; the work itself cannot be cancelled (lookup has no signal). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DialError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function dialOne(connect: Connect, address: string, port: number, ms: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(address, port);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DialError(`connecting to ${address}:${port} took longer than ${ms} ms`));
    }, ms);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      // Until the caller attaches its own handler, an early reset must not crash the server.
      socket.on("error", () => {});
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new DialError(`cannot connect to ${address}:${port}: ${error.message}`));
    });
  });
}

/** Connects to the first of `addresses` that answers, in order; each try has its own timeout. */
export async function dialFirst(
  connect: Connect,
  addresses: readonly string[],
  port: number,
  timeoutMs: number,
): Promise<Socket> {
  let last: unknown = new DialError("no address to connect to");
  for (const address of addresses) {
    try {
      return await dialOne(connect, address, port, timeoutMs);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
