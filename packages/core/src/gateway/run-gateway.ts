// openRunGateway(): one run's model gateway. The sandbox gets a capability token and a way to the
// gateway (a Unix socket in its host socket dir, or the public URL for remote sandboxes); the
// provider key stays in this process. The run's usage and cost are what this gateway counted.
import { randomBytes } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import {
  type Budget,
  ERROR_CODES,
  GATEWAY_SOCKET_NAME,
  type ModelProvider,
  type RunnerGateway,
  SANDBOX_HOST_DIR,
  type Usage,
} from "@sandcaster/protocol";
import { SandcasterError } from "../errors/sandcaster-error.js";
import type { GatewayRegistry } from "./gateway-registry.js";
import { type GatewayCall, GatewayRunState } from "./gateway-run-state.js";
import { handleModelCall } from "./handle-model-call.js";
import { type BudgetRefusal, RunSpend } from "./run-spend.js";
import type { SharedSpend } from "./shared-spend.js";
import { upstreamFor } from "./upstream.js";

/** The egress proxy's side of the socket (core/src/egress createEgressProxy), when there is one. */
export interface EgressHandler {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close?(): void;
}

export interface RunGatewayOptions {
  runId: string;
  /** The one provider this run's token may call. */
  provider: ModelProvider;
  /** The provider's real base URL (configured *_BASE_URL, else official) and key. */
  upstream: { baseUrl?: string | undefined; key: string };
  /** Other providers the run's sub-agents use, each with its own key, on the same token. */
  moreUpstreams?:
    | readonly {
        provider: ModelProvider;
        upstream: { baseUrl?: string | undefined; key: string };
      }[]
    | undefined;
  budget?: Budget | undefined;
  /** The budget this run shares with the other runs of its whole (a branching run's). */
  sharedSpend?: SharedSpend | undefined;
  /** Host directory to put gateway.sock in (sandbox.hostSocketDir): local and docker sandboxes. */
  socketDir?: string | undefined;
  /** Where the sandbox sees socketDir; default SANDBOX_HOST_DIR (a local sandbox without isolation: the host path). */
  sandboxSocketDir?: string | undefined;
  /**
   * Remote sandboxes (e2b): the public base of the gateway routes (config gateway.publicUrl);
   * the token is then also accepted there, through `registry`.
   */
  publicUrl?: string | undefined;
  registry?: GatewayRegistry | undefined;
  /** Each call, as it ends (metrics also hear it through the registry). */
  onCall?: ((call: GatewayCall) => void) | undefined;
  /** Once, when a call was refused for the budget: the run must end with BUDGET_EXCEEDED. */
  onBudgetExceeded?: ((refusal: BudgetRefusal) => void) | undefined;
  /** Forward-proxy requests on the socket (CONNECT, absolute URIs); without it they get 403. */
  egress?: EgressHandler | undefined;
}

export interface RunGateway {
  readonly token: string;
  /** Host path of the socket, when listening on one. */
  readonly socketPath?: string | undefined;
  /** The runner config's `gateway` section. */
  readonly runner: RunnerGateway;
  usage(): Usage;
  /** Undefined when a call went to a model without a known price. */
  costUsd(): number | undefined;
  calls(): number;
  unpricedModels(): string[];
  /** Revokes the token, cuts calls in flight, stops listening, removes the socket. Idempotent. */
  close(): Promise<void>;
}

/** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

const FORBIDDEN =
  "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 33\r\nconnection: close\r\n\r\nno egress is allowed for this run";

function refuseProxy(res: ServerResponse): void {
  res.writeHead(403, { "content-type": "text/plain", connection: "close" });
  res.end("no egress is allowed for this run");
}

const isProxyTarget = (url: string | undefined) =>
  url !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(url);

export async function openRunGateway(options: RunGatewayOptions): Promise<RunGateway> {
  if (!options.socketDir && !options.publicUrl) {
    throw new Error("openRunGateway needs a socketDir (local, docker) or a publicUrl (e2b)");
  }
  const token = `sc-gw-${randomBytes(32).toString("base64url")}`;
  const upstream = upstreamFor(options.provider, options.upstream);
  const more = (options.moreUpstreams ?? []).map((m) => upstreamFor(m.provider, m.upstream));
  const spend = new RunSpend(options.budget, options.sharedSpend);
  const registry = options.registry;
  const state = new GatewayRunState(
    options.runId,
    upstream,
    spend,
    token,
    { onCall: options.onCall, registry, onBudgetExceeded: options.onBudgetExceeded },
    more,
  );

  let server: Server | undefined;
  let socketPath: string | undefined;
  if (options.socketDir) {
    socketPath = join(options.socketDir, GATEWAY_SOCKET_NAME);
    const egress = options.egress;
    const findRun = (presented: string) => (state.accepts(presented) ? state : undefined);
    server = createServer({ headersTimeout: 15_000, maxHeaderSize: 64 * 1024 }, (req, res) => {
      if (isProxyTarget(req.url)) {
        if (egress) egress.handleRequest(req, res);
        else refuseProxy(res);
        return;
      }
      handleModelCall(req, res, req.url ?? "/", findRun).catch(() => res.destroy());
    });
    server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (egress) egress.handleConnect(req, socket, head);
      else socket.end(FORBIDDEN);
    });
    // bind() silently truncates a Unix socket path past sun_path (108 bytes with its NUL): the
    // gateway would listen somewhere else and every model call of the run would fail.
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new SandcasterError(
        ERROR_CODES.INVALID_CONFIG,
        `the model gateway's socket path is ${Buffer.byteLength(socketPath)} bytes, over the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows: ${socketPath}`,
        { hint: "put the sandboxes under a shorter directory (TMPDIR, or the provider's baseDir)" },
      );
    }
    // A stale socket from a crashed server would make listen() fail with EADDRINUSE. Here and
    // below synchronous: an unlink and a chmod of a local file take microseconds, while two thread
    // pool round trips cost a pooled run's first model request milliseconds on a busy host.
    rmSync(socketPath, { force: true });
    const listening = server;
    const path = socketPath;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(path, () => {
        listening.off("error", reject);
        resolve();
      });
    });
    // The sandbox user may be any uid (userns, container user): connecting needs write permission.
    chmodSync(socketPath, 0o666);
  }
  // Remote sandboxes present the token at the public routes, which look it up here.
  const listed = options.publicUrl ? registry : undefined;
  listed?.add(token, state);

  const moreProviders = options.moreUpstreams?.length
    ? {
        moreProviders: options.moreUpstreams.map((m) => ({
          provider: m.provider,
          customBaseUrl: Boolean(m.upstream.baseUrl),
        })),
      }
    : {};
  const runner: RunnerGateway = options.socketDir
    ? {
        socket: `${options.sandboxSocketDir ?? SANDBOX_HOST_DIR}/${GATEWAY_SOCKET_NAME}`,
        token,
        provider: options.provider,
        customBaseUrl: Boolean(options.upstream.baseUrl),
        ...moreProviders,
      }
    : {
        url: String(options.publicUrl).replace(/\/+$/, ""),
        token,
        provider: options.provider,
        customBaseUrl: Boolean(options.upstream.baseUrl),
        ...moreProviders,
      };

  return new OpenRunGateway(
    token,
    socketPath,
    runner,
    spend,
    state,
    server,
    listed,
    options.egress,
  );
}

/**
 * One open gateway. A class, not an object of closures: a run holds it for as long as it is open
 * (10,000 open runs), and its methods live once on the prototype.
 */
class OpenRunGateway implements RunGateway {
  #closed: Promise<void> | undefined;

  constructor(
    readonly token: string,
    readonly socketPath: string | undefined,
    readonly runner: RunnerGateway,
    private readonly spend: RunSpend,
    private readonly state: GatewayRunState,
    private readonly server: Server | undefined,
    private readonly listed: GatewayRegistry | undefined,
    private readonly egress: EgressHandler | undefined,
  ) {}

  usage(): Usage {
    return this.spend.usage;
  }

  costUsd(): number | undefined {
    return this.spend.costUsd;
  }

  calls(): number {
    return this.spend.calls;
  }

  unpricedModels(): string[] {
    return [...this.spend.unpriced];
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.state.close();
    this.listed?.delete(this.token);
    this.egress?.close?.();
    const server = this.server;
    if (server) {
      const stopping = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopping;
    }
    if (this.socketPath) await rm(this.socketPath, { force: true });
  }
}
