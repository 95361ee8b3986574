// E2B's REST control plane (api.e2b.app) as the e2b SDK calls it: create, list, info, timeout, pause, connect, network, kill.
import type { ServerResponse } from "node:http";
import {
  DEFAULT_CONNECT_TIMEOUT_SECS,
  DEFAULT_TIMEOUT_SECS,
  ENVD_VERSION,
  type SandboxRecord,
  type SandboxRegistry,
} from "./sandbox-registry.js";

const CLIENT_ID = "6532622b";
const MAX_TIMEOUT_SECS = 86_400;
const MAX_PAGE = 100;

/** E2B's error body: `{ code, message }` — the SDK reads `.message` and, for 404s, `.code`. */
export function sendApiError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { code: status, message }, headers);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sandboxBody(sandbox: SandboxRecord): Record<string, unknown> {
  return {
    alias: sandbox.templateId,
    clientID: CLIENT_ID,
    domain: null,
    envdVersion: ENVD_VERSION,
    ...(sandbox.accessToken ? { envdAccessToken: sandbox.accessToken } : {}),
    sandboxID: sandbox.sandboxId,
    templateID: sandbox.templateId,
    trafficAccessToken: null,
  };
}

function listedBody(sandbox: SandboxRecord): Record<string, unknown> {
  return {
    alias: sandbox.templateId,
    clientID: CLIENT_ID,
    cpuCount: 2,
    diskSizeMB: 512,
    endAt: sandbox.endAt.toISOString(),
    envdVersion: ENVD_VERSION,
    memoryMB: 512,
    metadata: sandbox.metadata,
    sandboxID: sandbox.sandboxId,
    startedAt: sandbox.startedAt.toISOString(),
    state: sandbox.state,
    templateID: sandbox.templateId,
    volumeMounts: [],
  };
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, v]) => typeof v !== "string")) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseTimeout(value: unknown): number | string {
  if (value === undefined || value === null) return DEFAULT_TIMEOUT_SECS;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    return "timeout must be a non-negative integer";
  }
  if (value > MAX_TIMEOUT_SECS) return "Timeout cannot be greater than 24 hours";
  return value;
}

/** `metadata` query: "k=v&k2=v2" with keys and values URL-encoded (the SDK encodes them twice over). */
function parseMetadataQuery(raw: string | null): Record<string, string> {
  const filter: Record<string, string> = {};
  if (!raw) return filter;
  for (const [key, value] of new URLSearchParams(raw)) {
    filter[decodeURIComponent(key)] = decodeURIComponent(value);
  }
  return filter;
}

function matches(sandbox: SandboxRecord, query: URLSearchParams): boolean {
  const filter = parseMetadataQuery(query.get("metadata"));
  if (Object.entries(filter).some(([k, v]) => sandbox.metadata[k] !== v)) return false;
  const states = (query.get("state") ?? "").split(",").filter(Boolean);
  if (states.length > 0 && !states.includes(sandbox.state)) return false;
  const template = query.get("template");
  if (template && sandbox.templateId !== template) return false;
  const after = query.get("startedAfter");
  return !after || sandbox.startedAt.getTime() >= Date.parse(after);
}

function listPage(res: ServerResponse, registry: SandboxRegistry, query: URLSearchParams): void {
  const limitRaw = query.get("limit");
  const limit = limitRaw === null ? MAX_PAGE : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    sendApiError(res, 400, `limit must be between 1 and ${MAX_PAGE}`);
    return;
  }
  const asc = query.get("order") === "asc";
  const tokenRaw = query.get("nextToken");
  const cursor = tokenRaw ? Number(Buffer.from(tokenRaw, "base64url").toString("utf8")) : undefined;
  if (cursor !== undefined && !Number.isInteger(cursor)) {
    sendApiError(res, 400, "invalid next token");
    return;
  }
  const all = registry
    .all()
    .filter((s) => matches(s, query))
    .sort((a, b) => (asc ? a.seq - b.seq : b.seq - a.seq));
  const after = all.filter((s) => cursor === undefined || (asc ? s.seq > cursor : s.seq < cursor));
  const page = after.slice(0, limit);
  const last = page[page.length - 1];
  const headers: Record<string, string> = {
    "X-Total-Running": String(registry.all().filter((s) => s.state === "running").length),
  };
  if (after.length > limit && last) {
    headers["X-Next-Token"] = Buffer.from(String(last.seq)).toString("base64url");
  }
  sendJson(res, 200, page.map(listedBody), headers);
}

async function create(
  res: ServerResponse,
  registry: SandboxRegistry,
  body: Record<string, unknown>,
  v2: boolean,
): Promise<void> {
  const templateId = body.templateID;
  const metadata = stringRecord(body.metadata);
  const envs = stringRecord(body.envVars);
  const timeout = parseTimeout(body.timeout);
  if (typeof templateId !== "string" || templateId === "") {
    sendApiError(res, 400, "templateID is required");
  } else if (!metadata || !envs) {
    sendApiError(res, 400, "metadata and envVars must map strings to strings");
  } else if (typeof timeout === "string") {
    sendApiError(res, 400, timeout);
  } else {
    const secure = v2 || body.secure === true;
    const sandbox = await registry.create({
      templateId,
      metadata,
      envs,
      timeoutSecs: timeout,
      secure,
      // The SDK sends autoPause only when lifecycle.onTimeout was given.
      onTimeout: body.autoPause === true ? "pause" : "kill",
      allowInternetAccess: body.allow_internet_access !== false,
      network: isRecord(body.network) ? body.network : undefined,
    });
    sendJson(res, 201, sandboxBody(sandbox));
  }
}

/** Serves one authenticated control-plane request. */
export async function handleControlPlane(
  registry: SandboxRegistry,
  res: ServerResponse,
  method: string,
  url: URL,
  body: Record<string, unknown>,
): Promise<void> {
  const path = url.pathname.replace(/\/+$/, "");
  if (method === "POST" && (path === "/sandboxes" || path === "/v2/sandboxes")) {
    await create(res, registry, body, path.startsWith("/v2"));
    return;
  }
  if (method === "GET" && path === "/v2/sandboxes")
    return listPage(res, registry, url.searchParams);
  if (method === "GET" && path === "/sandboxes") {
    const running = registry.all().filter((s) => matches(s, url.searchParams));
    return sendJson(res, 200, running.map(listedBody));
  }
  const match = /^(\/v2)?\/sandboxes\/([^/]+)(\/[a-z]+)?$/.exec(path);
  const sandboxId = decodeURIComponent(match?.[2] ?? "");
  const action = `${method} ${match?.[1] ?? ""}${match?.[3] ?? ""}`;
  const sandbox = registry.get(sandboxId);
  if (!match) return sendApiError(res, 404, `no route for ${method} ${path}`);
  if (!sandbox)
    return sendApiError(
      res,
      404,
      `sandbox "${sandboxId}" doesn't exist or you don't have access to it`,
    );
  switch (action) {
    case "GET ":
      return sendJson(res, 200, {
        ...listedBody(sandbox),
        domain: null,
        allowInternetAccess: sandbox.allowInternetAccess,
        lifecycle: { onTimeout: sandbox.onTimeout, autoResume: false },
        ...(sandbox.accessToken ? { envdAccessToken: sandbox.accessToken } : {}),
      });
    case "DELETE ":
      registry.kill(sandboxId);
      res.writeHead(204).end();
      return;
    case "POST /timeout":
    case "POST /refreshes": {
      const timeout = parseTimeout(body.timeout ?? body.duration);
      if (typeof timeout === "string") return sendApiError(res, 400, timeout);
      registry.setTimeout(sandbox, timeout);
      res.writeHead(204).end();
      return;
    }
    case "POST /pause":
      // The SDK reads 409 as "already paused" (pause() → false).
      if (sandbox.state === "paused") {
        return sendApiError(res, 409, `sandbox "${sandboxId}" is already paused`);
      }
      registry.pause(sandbox, body.memory !== false);
      res.writeHead(204).end();
      return;
    case "POST /v2/connect": {
      // An omitted timeout means 300 s; a running sandbox's TTL is only ever extended.
      const timeout =
        body.timeout === undefined ? DEFAULT_CONNECT_TIMEOUT_SECS : parseTimeout(body.timeout);
      if (typeof timeout === "string") return sendApiError(res, 400, timeout);
      if (sandbox.state === "paused") {
        registry.resume(sandbox, timeout);
        return sendJson(res, 201, sandboxBody(sandbox));
      }
      if (Date.now() + timeout * 1000 > sandbox.endAt.getTime()) {
        registry.setTimeout(sandbox, timeout);
      }
      return sendJson(res, 200, sandboxBody(sandbox));
    }
    case "PUT /network": {
      if (sandbox.state === "paused") {
        return sendApiError(res, 409, `sandbox "${sandboxId}" is paused`);
      }
      const allow = body.allow_internet_access;
      if (allow !== undefined && typeof allow !== "boolean") {
        return sendApiError(res, 400, "allow_internet_access must be a boolean");
      }
      if (allow !== undefined) sandbox.allowInternetAccess = allow;
      // Like E2B's, the update replaces every egress rule: fields left out are cleared.
      const { allow_internet_access: _, ...egress } = body;
      sandbox.network = Object.keys(egress).length > 0 ? egress : undefined;
      res.writeHead(204).end();
      return;
    }
    default:
      return sendApiError(res, 404, `the E2B double does not serve ${method} ${path}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
