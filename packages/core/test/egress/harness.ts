// The proxy as the run's socket server will serve it: a real node http.Server on a Unix socket,
// CONNECT to handleConnect, absolute-URI requests to handleRequest, with a loopback relay in front
// so curl can use it (`curl -x http://127.0.0.1:<port>`), as tools inside a sandbox will.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetworkPolicy } from "@sandcaster/protocol";
import { type LoopbackRelay, startLoopbackRelay } from "@sandcaster/testkit";
import type { EgressDenial } from "../../src/egress/admit.js";
import { type Connect, systemConnect } from "../../src/egress/dial.js";
import {
  createEgressProxy,
  EGRESS_SERVER_OPTIONS,
  type EgressProxy,
  type EgressProxyOptions,
  isProxyTarget,
} from "../../src/egress/egress-proxy.js";

export interface ProxyHarness {
  dir: string;
  socketPath: string;
  relay: LoopbackRelay;
  proxy: EgressProxy;
  server: Server;
  denials: { host: string; denial: EgressDenial }[];
  /** Every address:port the proxy dialled: a refused destination must never appear here. */
  dials: string[];
  close(): Promise<void>;
}

export function policyOf(policy: Partial<NetworkPolicy>): NetworkPolicy {
  return { egress: "allowlist", allow: [], allowAddresses: [], ...policy };
}

export async function startProxy(
  policy: NetworkPolicy,
  options: Omit<Partial<EgressProxyOptions>, "onDenied"> = {},
): Promise<ProxyHarness> {
  const dir = await mkdtemp(join(tmpdir(), "sc-egress-"));
  const socketPath = join(dir, "gateway.sock");
  const denials: ProxyHarness["denials"] = [];
  const dials: string[] = [];
  const connect = options.connect ?? systemConnect;
  const recording: Connect = (address, port) => {
    dials.push(`${address}:${port}`);
    // Should the proxy ever regress, a test still only touches loopback and its own netns hosts.
    if (!/^(127\.|10\.251\.|::1$)/.test(address)) {
      const refused = new Socket();
      process.nextTick(() => refused.destroy(new Error(`the test refuses to dial ${address}`)));
      return refused;
    }
    return connect(address, port);
  };
  const proxy = createEgressProxy(policy, {
    ...options,
    connect: recording,
    onDenied: (host, denial) => denials.push({ host, denial }),
  });
  const server = createServer(EGRESS_SERVER_OPTIONS, (req, res) => {
    if (isProxyTarget(req.url)) return proxy.handleRequest(req, res);
    res.writeHead(404).end("not a proxy request");
  });
  server.on("connect", (req, socket, head) => proxy.handleConnect(req, socket, head));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const relay = await startLoopbackRelay(socketPath);
  return {
    dir,
    socketPath,
    relay,
    proxy,
    server,
    denials,
    dials,
    async close() {
      proxy.close();
      await relay.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface CurlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** curl with a bounded run time; never throws on curl's own failure (the exit code says it). */
export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-sS", "--max-time", "20", "--noproxy", "", ...args],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}

/** A resolver from a fixed table; unknown names fail like NXDOMAIN. */
export function tableResolve(table: Record<string, string[]>) {
  return async (host: string): Promise<string[]> => {
    const found = table[host];
    if (!found)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found;
  };
}
