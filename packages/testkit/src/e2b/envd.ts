// envd behind E2B's sandbox proxy: routing by E2b-Sandbox-Id, access token, /health, /files, Connect RPC dispatch.
import { createReadStream } from "node:fs";
import { lstat, mkdir, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, posix } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  ConnectRpcError,
  ConnectStream,
  connectCodeForStatus,
  decodeEnvelopes,
  sendUnary,
  sendUnaryError,
} from "./connect-envelope.js";
import { sendJson } from "./control-plane.js";
import { handleFilesystem } from "./envd-filesystem.js";
import { handleProcessStream, handleProcessUnary } from "./envd-process.js";
import {
  DEFAULT_USER,
  isKnownUser,
  resolvePath,
  type SandboxRecord,
  type SandboxRegistry,
} from "./sandbox-registry.js";

const RPC_ROUTE = /^\/(filesystem\.Filesystem|process\.Process)\/([A-Za-z]+)$/;
const STREAMING = new Set([
  "process.Process/Start",
  "process.Process/Connect",
  "filesystem.Filesystem/WatchDir",
]);

/** What E2B's proxy answers for a sandbox that is not running (the SDK maps 502 to "sandbox gone"). */
export function sendSandboxNotFound(res: ServerResponse, sandboxId: string): void {
  sendJson(res, 502, { sandboxId, message: "The sandbox was not found", code: 502 });
}

/** A paused sandbox's envd is frozen: the proxy refuses like for one not running (no auto-resume). */
function sendSandboxPaused(res: ServerResponse, sandboxId: string): void {
  sendJson(res, 502, { sandboxId, message: "The sandbox is paused", code: 502 });
}

/**
 * An injected failure in envd's own terms: Connect error JSON (unary) or an end-of-stream error
 * (streams) on RPC routes, E2B's `{ code, message }` on the HTTP ones.
 */
export function sendEnvdFault(
  res: ServerResponse,
  path: string,
  status: number,
  message: string,
  headers: Record<string, string>,
): void {
  const route = RPC_ROUTE.exec(path);
  const code = connectCodeForStatus(status);
  if (!route) sendJson(res, status, { code: status, message }, headers);
  else if (STREAMING.has(`${route[1]}/${route[2]}`)) new ConnectStream(res).end({ code, message });
  else sendUnaryError(res, code, message, headers);
}

function userFromBasic(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  if (!auth?.startsWith("Basic ")) return DEFAULT_USER;
  const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
  return decoded.split(":")[0] || DEFAULT_USER;
}

async function download(res: ServerResponse, sandbox: SandboxRecord, path: string, user: string) {
  const { sandboxPath, hostPath } = resolvePath(sandbox, path, user);
  const stats = await lstat(hostPath).catch(() => null);
  if (!stats)
    return sendJson(res, 404, { code: 404, message: `path '${sandboxPath}' does not exist` });
  if (stats.isDirectory()) {
    return sendJson(res, 400, { code: 400, message: `path '${sandboxPath}' is a directory` });
  }
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": stats.size,
    "content-disposition": `inline; filename="${posix.basename(sandboxPath)}"`,
  });
  createReadStream(hostPath)
    .on("error", () => res.destroy())
    .pipe(res);
}

async function upload(
  req: IncomingMessage,
  res: ServerResponse,
  sandbox: SandboxRecord,
  url: URL,
  user: string,
  body: Buffer,
) {
  const queryPath = url.searchParams.get("path");
  const files: { path: string; data: Buffer }[] = [];
  const contentType = req.headers["content-type"] ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    const form = await new Response(body, { headers: { "content-type": contentType } }).formData();
    for (const value of form.getAll("file")) {
      if (typeof value === "string") continue;
      files.push({ path: queryPath ?? value.name, data: Buffer.from(await value.arrayBuffer()) });
    }
  } else {
    const gzip = req.headers["content-encoding"] === "gzip";
    if (queryPath) files.push({ path: queryPath, data: gzip ? gunzipSync(body) : body });
  }
  if (files.length === 0 || files.some((f) => !f.path)) {
    return sendJson(res, 400, { code: 400, message: "no file path given" });
  }
  const written: { name: string; type: "file"; path: string }[] = [];
  for (const file of files) {
    const { sandboxPath, hostPath } = resolvePath(sandbox, file.path, user);
    if ((await lstat(hostPath).catch(() => null))?.isDirectory()) {
      return sendJson(res, 400, { code: 400, message: `path '${sandboxPath}' is a directory` });
    }
    await mkdir(dirname(hostPath), { recursive: true });
    await writeFile(hostPath, file.data);
    written.push({ name: posix.basename(sandboxPath), type: "file", path: sandboxPath });
  }
  sendJson(res, 200, written);
}

async function rpc(
  req: IncomingMessage,
  res: ServerResponse,
  sandbox: SandboxRecord,
  service: string,
  method: string,
  body: Buffer,
): Promise<void> {
  const streaming = STREAMING.has(`${service}/${method}`);
  const contentType = req.headers["content-type"] ?? "";
  const expected = streaming ? "application/connect+json" : "application/json";
  if (!contentType.startsWith(expected)) {
    res.writeHead(415, { "accept-post": expected }).end();
    return;
  }
  const user = userFromBasic(req);
  let message: Record<string, unknown>;
  try {
    const raw = streaming
      ? decodeEnvelopes(body)[0]
      : body.length
        ? JSON.parse(body.toString())
        : {};
    message = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  } catch {
    return sendUnaryError(res, "invalid_argument", "malformed JSON request");
  }
  if (!isKnownUser(user)) {
    return sendUnaryError(res, "unauthenticated", `invalid username: '${user}'`);
  }
  if (streaming && service === "process.Process") {
    return handleProcessStream(sandbox, method, message, user, req, res);
  }
  if (streaming) {
    const message = `${service}/${method} is not served by the E2B double`;
    return new ConnectStream(res).end({ code: "unimplemented", message });
  }
  try {
    const result =
      service === "process.Process"
        ? await handleProcessUnary(sandbox, method, message)
        : await handleFilesystem(sandbox, method, message, user);
    sendUnary(res, result);
  } catch (error) {
    if (error instanceof ConnectRpcError) return sendUnaryError(res, error.code, error.message);
    sendUnaryError(res, "internal", String(error));
  }
}

/** Serves one request addressed to a sandbox's envd (through the proxy). */
export async function handleEnvd(
  registry: SandboxRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  url: URL,
  body: Buffer,
): Promise<void> {
  const sandboxId = String(req.headers["e2b-sandbox-id"] ?? "");
  const sandbox = registry.get(sandboxId);
  if (!sandbox) return sendSandboxNotFound(res, sandboxId);
  if (sandbox.state === "paused") return sendSandboxPaused(res, sandboxId);
  if (method === "GET" && url.pathname === "/health") {
    res.writeHead(204).end();
    return;
  }
  if (sandbox.accessToken && req.headers["x-access-token"] !== sandbox.accessToken) {
    return sendJson(res, 401, {
      code: 401,
      message:
        "unauthorized access, please provide a valid access token or method signing if supported",
    });
  }
  if (url.pathname === "/files" && (method === "GET" || method === "POST")) {
    const user = url.searchParams.get("username") || DEFAULT_USER;
    if (!isKnownUser(user)) {
      return sendJson(res, 401, { code: 401, message: `error looking up user '${user}'` });
    }
    if (method === "GET") return download(res, sandbox, url.searchParams.get("path") ?? "", user);
    return upload(req, res, sandbox, url, user, body);
  }
  const route = RPC_ROUTE.exec(url.pathname);
  if (method === "POST" && route?.[1] && route[2]) {
    return rpc(req, res, sandbox, route[1], route[2], body);
  }
  sendJson(res, 404, { code: 404, message: `no route for ${method} ${url.pathname}` });
}
