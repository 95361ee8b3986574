// The E2B double: control plane and envd proxy on two loopback ports, request log, faults, webhooks.
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./connect-envelope.js";
import { handleControlPlane, sendApiError } from "./control-plane.js";
import { handleEnvd, sendEnvdFault } from "./envd.js";
import { SandboxRegistry } from "./sandbox-registry.js";
import { TemplateBuilds } from "./template-builds.js";
import { postWebhook, type SendWebhookOptions } from "./webhooks.js";

export interface E2BDoubleOptions {
  /** The only key the control plane accepts (X-API-KEY). */
  apiKey?: string;
  host?: string;
}

export interface E2BSandboxInfo {
  sandboxId: string;
  templateId: string;
  metadata: Record<string, string>;
  envs: Record<string, string>;
  /** Paused: files kept, envd refuses every call (502), no timeout running, connect resumes it. */
  state: "running" | "paused";
  /** What the timeout does (`lifecycle.onTimeout` at create; E2B's default is kill). */
  onTimeout: "kill" | "pause";
  /** Bookkeeping only: the double does not restrict the network. */
  allowInternetAccess: boolean;
  /** The create request's `network` (allowOut, denyOut …) as the SDK sent it; not enforced. */
  network: Record<string, unknown> | undefined;
  /** Host temp dir standing in for the sandbox's `/`. */
  root: string;
  /** When the timeout ends it (meaningless while paused: a paused sandbox does not time out). */
  endAt: Date;
}

export type E2BFault =
  | {
      kind: "status";
      status: number;
      retryAfterSecs?: number;
      /** How many matching requests get it (default 1). */
      times?: number;
      /** Tested on "METHOD /path" (API or envd); default: sandbox create. */
      match?: RegExp;
    }
  | { kind: "lose-sandbox"; sandboxId: string };

export interface E2BDouble {
  /** Value for E2B_API_URL / the `apiUrl` option. */
  apiUrl: string;
  /** Value for E2B_SANDBOX_URL / the `sandboxUrl` option (envd of every sandbox). */
  sandboxUrl: string;
  apiKey: string;
  /**
   * Sandboxes that still exist at E2B: running or paused (a paused sandbox holds its files and can
   * be resumed, so it is still something left behind); not killed, timed out or lost.
   */
  alive(): E2BSandboxInfo[];
  /** Every sandbox created, in order, with the `network` options its create request carried. */
  created(): { sandboxId: string; network: Record<string, unknown> | undefined }[];
  /** The alive sandboxes that are paused. */
  paused(): E2BSandboxInfo[];
  inject(fault: E2BFault): void;
  requests: { method: string; path: string; sandboxId?: string }[];
  /** POSTs a lifecycle webhook signed as E2B does; see SendWebhookOptions for tampering. */
  sendWebhook(
    url: string,
    secret: string,
    payload: unknown,
    options?: SendWebhookOptions,
  ): Promise<Response>;
  /** How many template builds were triggered (Template.build; an alias found built is not one). */
  templateBuilds(): number;
  /** Kills every process and removes every sandbox's temp dir. */
  close(): Promise<void>;
}

export const DEFAULT_E2B_API_KEY = "e2b_test_0000000000000000000000000000000000";
const CREATE_ROUTE = /^POST \/(v2\/)?sandboxes$/;

type StatusFault = Extract<E2BFault, { kind: "status" }>;
type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => Promise<void>;

function listen(host: string, handler: Handler): Promise<Server> {
  const server = createServer({ noDelay: true }, (req, res) => {
    const url = new URL(req.url ?? "/", "http://e2b-double.invalid");
    readBody(req)
      .then((body) => handler(req, res, url, body))
      .catch((error: unknown) => {
        if (res.headersSent) res.destroy();
        else sendApiError(res, 500, `E2B double: ${String(error)}`);
      });
  });
  // Node closes idle keep-alive connections after 5 s, about when fetch still reuses them: a late
  // timer (a loaded CI host) makes the close meet a new request, which then fails as "fetch
  // failed" — a network error the provider rightly reports as SANDBOX_UNAVAILABLE. Real E2B keeps
  // idle connections far longer than any client here, so the double does too.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

function origin(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = body.length ? JSON.parse(body.toString("utf8")) : {};
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function startE2BDouble(options: E2BDoubleOptions = {}): Promise<E2BDouble> {
  const apiKey = options.apiKey ?? DEFAULT_E2B_API_KEY;
  const host = options.host ?? "127.0.0.1";
  const registry = new SandboxRegistry();
  let apiOrigin = "";
  const templates = new TemplateBuilds(() => apiOrigin);
  // A sandbox of a template built here starts with its files and environment.
  registry.seedFrom = (templateId) => templates.ready(templateId);
  const requests: E2BDouble["requests"] = [];
  const faults: { fault: StatusFault; remaining: number }[] = [];
  const webhookId = randomUUID();

  /** Answers with the first matching injected status, if any; true when it did. */
  const faulted = (res: ServerResponse, method: string, path: string, api: boolean): boolean => {
    const key = `${method} ${path}`;
    const index = faults.findIndex(({ fault }) => {
      const pattern = fault.match ?? CREATE_ROUTE;
      pattern.lastIndex = 0;
      return pattern.test(key);
    });
    const entry = faults[index];
    if (!entry) return false;
    entry.remaining -= 1;
    if (entry.remaining <= 0) faults.splice(index, 1);
    const { status, retryAfterSecs } = entry.fault;
    const headers: Record<string, string> =
      retryAfterSecs === undefined ? {} : { "Retry-After": String(retryAfterSecs) };
    const message = `${STATUS_CODES[status] ?? "Error"} (injected by the E2B double)`;
    if (api) sendApiError(res, status, message, headers);
    else sendEnvdFault(res, path, status, message, headers);
    return true;
  };

  const apiServer = await listen(host, async (req, res, url, body) => {
    const method = req.method ?? "GET";
    const sandboxId = /\/sandboxes\/([^/]+)/.exec(url.pathname)?.[1];
    requests.push({ method, path: url.pathname, ...(sandboxId ? { sandboxId } : {}) });
    if (faulted(res, method, url.pathname, true)) return;
    if (await templates.upload(res, method, url, body)) return;
    if (req.headers["x-api-key"] !== apiKey) {
      return sendApiError(res, 401, "Invalid API key, please visit https://e2b.dev/docs/api-key");
    }
    const path = url.pathname.replace(/\/+$/, "");
    if (await templates.handle(res, method, path, url, parseJson(body))) return;
    await handleControlPlane(registry, res, method, url, parseJson(body));
  });

  const envdServer = await listen(host, async (req, res, url, body) => {
    const method = req.method ?? "GET";
    const sandboxId = req.headers["e2b-sandbox-id"];
    const recorded = typeof sandboxId === "string" ? { sandboxId } : {};
    requests.push({ method, path: url.pathname, ...recorded });
    if (faulted(res, method, url.pathname, false)) return;
    await handleEnvd(registry, req, res, method, url, body);
  });

  const alive = (): E2BSandboxInfo[] =>
    registry.all().map((s) => ({
      sandboxId: s.sandboxId,
      templateId: s.templateId,
      metadata: { ...s.metadata },
      envs: { ...s.envs },
      state: s.state,
      onTimeout: s.onTimeout,
      allowInternetAccess: s.allowInternetAccess,
      network: s.network,
      root: s.root,
      endAt: new Date(s.endAt),
    }));

  apiOrigin = origin(apiServer);
  let closed: Promise<void> | undefined;
  return {
    apiUrl: origin(apiServer),
    sandboxUrl: origin(envdServer),
    apiKey,
    requests,
    alive,
    created: () => registry.created.map((c) => ({ ...c })),
    paused: () => alive().filter((s) => s.state === "paused"),
    inject: (fault) => {
      if (fault.kind === "lose-sandbox") {
        if (!registry.kill(fault.sandboxId)) {
          throw new Error(`E2B double: no live sandbox ${fault.sandboxId} to lose`);
        }
        return;
      }
      faults.push({ fault, remaining: fault.times ?? 1 });
    },
    templateBuilds: () => templates.triggered,
    sendWebhook: (url, secret, payload, webhookOptions) =>
      postWebhook(webhookId, url, secret, payload, webhookOptions),
    close: () => {
      closed ??= (async () => {
        await registry.close();
        await templates.close();
        await Promise.all([closeServer(apiServer), closeServer(envdServer)]);
      })();
      return closed;
    },
  };
}
