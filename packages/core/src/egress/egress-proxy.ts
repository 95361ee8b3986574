// createEgressProxy(): one run's HTTP(S) forward proxy, enforcing its NetworkPolicy on the host.
// The run's socket server hands it CONNECT requests (TLS, matched by host name) and absolute-URI
// requests (plain HTTP); every refusal is reported through onDenied and answered to the client.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { NetworkPolicy } from "@sandcaster/protocol";
import { createAdmit, defaultOwnAddresses, type EgressDenial } from "./admit.js";
import { type Connect, type Resolve, systemConnect, systemResolve } from "./dial.js";
import { forwardRequest } from "./forward-request.js";
import type { ProxyContext } from "./proxy-context.js";
import { openTunnel } from "./tunnel.js";

export interface EgressLimits {
  /** Tunnels and plain requests open at once, per run; past it connections are refused (429). */
  maxConnections: number;
  /** A tunnel or request with no bytes either way this long is closed. */
  idleTimeoutMs: number;
  /** Per address tried. */
  connectTimeoutMs: number;
  resolveTimeoutMs: number;
  /** Response headers of a plain-HTTP upstream, in bytes. */
  maxResponseHeaderBytes: number;
}

export const DEFAULT_EGRESS_LIMITS: Readonly<EgressLimits> = {
  maxConnections: 64,
  idleTimeoutMs: 120_000,
  connectTimeoutMs: 10_000,
  resolveTimeoutMs: 5_000,
  maxResponseHeaderBytes: 32 * 1024,
};

/**
 * Options for the run's socket server (`http.createServer(EGRESS_SERVER_OPTIONS, …)`): bounds on
 * what a client inside the sandbox may send before the proxy sees the request.
 */
export const EGRESS_SERVER_OPTIONS = {
  maxHeaderSize: 16 * 1024,
  headersTimeout: 15_000,
  // Uploads through a plain-HTTP request may be long; idleness is bounded per connection instead.
  requestTimeout: 0,
} as const;

export interface EgressProxyOptions {
  /** Called once per refused connection; the run turns it into an EGRESS_DENIED warning. */
  onDenied(host: string, denial: EgressDenial): void;
  /** Name → addresses; default: the system resolver (getaddrinfo). */
  resolve?: Resolve;
  /** Address → TCP socket; default: net.connect. */
  connect?: Connect;
  limits?: Partial<EgressLimits>;
  /** This host's addresses (refused as destinations); default: os.networkInterfaces(), read live. */
  ownAddresses?: () => ReadonlySet<string>;
}

export interface EgressProxy {
  /** For the server's 'connect' event. */
  handleConnect(req: IncomingMessage, clientSocket: Duplex, head: Buffer): void;
  /** For absolute-URI (`GET http://host/…`) requests on the server's 'request' event. */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Tunnels and requests open now. */
  readonly openConnections: number;
  /** Ends every open tunnel and request and refuses new ones (the run is over). Idempotent. */
  close(): void;
}

/** Whether a request target is absolute-form, i.e. meant for the proxy rather than the gateway. */
export function isProxyTarget(url: string | undefined): boolean {
  return url !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

export function createEgressProxy(policy: NetworkPolicy, options: EgressProxyOptions): EgressProxy {
  const limits: EgressLimits = { ...DEFAULT_EGRESS_LIMITS, ...options.limits };
  const admit = createAdmit(policy, {
    resolve: options.resolve ?? systemResolve,
    connect: options.connect ?? systemConnect,
    resolveTimeoutMs: limits.resolveTimeoutMs,
    connectTimeoutMs: limits.connectTimeoutMs,
    ownAddresses: options.ownAddresses ?? defaultOwnAddresses,
  });
  const live = new Set<Duplex>();
  let open = 0;
  let closed = false;

  const context: ProxyContext = {
    admit,
    limits,
    get closed() {
      return closed;
    },
    denied(host, denial) {
      try {
        options.onDenied(host, denial);
      } catch {
        // A broken listener must not take the proxy (and the server) down with it.
      }
    },
    acquire() {
      if (closed || open >= limits.maxConnections) return undefined;
      open++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
      };
    },
    track(stream) {
      if (closed) {
        stream.destroy();
        return;
      }
      live.add(stream);
      stream.once("close", () => live.delete(stream));
    },
  };

  return {
    handleConnect: (req, clientSocket, head) => openTunnel(context, req, clientSocket, head),
    handleRequest: (req, res) => forwardRequest(context, req, res),
    get openConnections() {
      return open;
    },
    close() {
      closed = true;
      for (const stream of live) stream.destroy();
      live.clear();
    },
  };
}
