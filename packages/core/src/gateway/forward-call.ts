// One model call through the gateway: check the budget, swap the token for the key, forward, and
// stream the answer back as it arrives while its usage is read off the side.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { performance } from "node:perf_hooks";
import { priceOf } from "@sandcaster/protocol";
import { sendGatewayError } from "./gateway-answer.js";
import type { GatewayRunState } from "./gateway-run-state.js";
import {
  CREDENTIAL_HEADERS,
  credentialHeader,
  type Upstream,
  upstreamPath,
  wireFamily,
} from "./upstream.js";
import { createUsageReader } from "./usage-reader.js";

/**
 * Calls of one run at once. The runner makes one at a time; a hostile agent holding the token
 * could start many, each passing the budget check before any has been counted.
 */
export const MAX_CALLS_IN_FLIGHT = 4;

/** A request body (the whole conversation) larger than this is refused with 413. */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

// Connections to the providers are reused across calls and runs: a TLS handshake per call would
// be most of the latency the gateway adds.
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 256 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

/** Never forwarded: hop-by-hop, the client's credential, and what the gateway sets itself. */
const DROPPED_REQUEST_HEADERS = new Set<string>([
  ...CREDENTIAL_HEADERS,
  "host",
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "accept-encoding",
]);
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "trailer",
  "upgrade",
]);

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The model a call asks for: Gemini names it in the path, the others in the body. */
function requestedModel(rest: string, json: Record<string, unknown> | undefined): string {
  const inPath = /\/models\/([^/:]+)/.exec(rest)?.[1];
  if (inPath) return decodeURIComponent(inPath);
  return typeof json?.model === "string" ? json.model : "unknown";
}

/**
 * OpenAI reports a stream's usage only when asked; the gateway asks, so that a runner which does
 * not (or lies about it) is still metered. The extra final chunk is part of the documented wire.
 */
function withStreamUsage(json: Record<string, unknown>): boolean {
  if (json.stream !== true) return false;
  const options = json.stream_options;
  if (
    typeof options === "object" &&
    options !== null &&
    (options as { include_usage?: unknown }).include_usage === true
  )
    return false;
  json.stream_options = {
    ...(typeof options === "object" && options !== null ? options : {}),
    include_usage: true,
  };
  return true;
}

export async function forwardCall(
  run: GatewayRunState,
  upstream: Upstream,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string,
  search: URLSearchParams,
): Promise<void> {
  const family = wireFamily(upstream.provider);
  const raw = await readBody(req);
  if (raw === undefined) {
    sendGatewayError(
      res,
      family,
      413,
      "GATEWAY_BAD_REQUEST",
      `request body over ${MAX_REQUEST_BYTES} bytes`,
    );
    return;
  }
  // Checked with no await between here and track() below, so concurrent calls cannot race it.
  if (run.callsInFlight >= MAX_CALLS_IN_FLIGHT) {
    const reason = `at most ${MAX_CALLS_IN_FLIGHT} model calls of one run at once`;
    sendGatewayError(res, family, 429, "GATEWAY_BUSY", reason);
    return;
  }
  const received = performance.now();
  const json = parseJson(raw);
  const model = requestedModel(rest, json);
  const refusal = run.spend.admit(model);
  if (refusal) {
    run.budgetExceeded(refusal);
    sendGatewayError(res, family, 402, "BUDGET_EXCEEDED", refusal.message);
    return;
  }
  let body = raw;
  if (family === "openai" && json && withStreamUsage(json))
    body = Buffer.from(JSON.stringify(json));

  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
  }
  Object.assign(headers, credentialHeader(upstream), {
    host: upstream.baseUrl.host,
    "content-length": String(body.length),
    // The usage is read off the answer, so it must arrive uncompressed.
    "accept-encoding": "identity",
  });
  const https = upstream.baseUrl.protocol === "https:";
  let addedMs = 0;
  const outgoing = (https ? httpsRequest : httpRequest)({
    protocol: upstream.baseUrl.protocol,
    hostname: upstream.baseUrl.hostname.replace(/^\[|\]$/g, ""),
    port: upstream.baseUrl.port || (https ? 443 : 80),
    method: req.method ?? "POST",
    path: upstreamPath(upstream, rest, search),
    headers,
    agent: https ? agents.https : agents.http,
  });
  run.track(outgoing);
  const clientGone = () => {
    if (!res.writableFinished) outgoing.destroy();
  };
  res.once("close", clientGone);

  await new Promise<void>((resolve) => {
    let settled = false;
    const settle = (
      report: Omit<Parameters<GatewayRunState["reportCall"]>[0], "startedAt" | "endedAt">,
    ) => {
      if (settled) return;
      settled = true;
      run.untrack(outgoing);
      const endedAt = performance.timeOrigin + performance.now();
      run.reportCall({ ...report, startedAt: performance.timeOrigin + received, endedAt });
      resolve();
    };
    outgoing.once("error", (error) => {
      if (res.headersSent) res.destroy();
      else if (!res.destroyed) {
        const reason = `the gateway could not reach ${upstream.baseUrl.origin}: ${error.message}`;
        sendGatewayError(res, family, 502, "MODEL_CONNECTION_FAILED", reason);
      }
      settle({ provider: upstream.provider, model, status: 502, addedMs });
    });
    outgoing.once("response", (answer) => {
      const answered = performance.now();
      const responseHeaders: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name))
          responseHeaders[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, responseHeaders);
      res.flushHeaders();
      addedMs += performance.now() - answered;
      const reader = createUsageReader(family, answer.headers["content-type"]);
      answer.on("data", (chunk: Buffer) => reader.push(chunk));
      // pipe() pauses the provider while the sandbox is slow to read: backpressure end to end.
      answer.pipe(res);
      answer.once("close", () => {
        // A provider that broke off mid-answer: the sandbox must see a broken stream, not an end.
        if (!answer.complete) res.destroy();
        const found = reader.end();
        const priced = priceOf(model) ? model : (found.model ?? model);
        const status = answer.statusCode ?? 0;
        settle({ provider: upstream.provider, model: priced, status, addedMs, usage: found.usage });
      });
    });
    outgoing.end(body);
    addedMs += performance.now() - received;
  });
  res.off("close", clientGone);
}
