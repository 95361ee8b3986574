// Routes a gateway request to its run: the token (in whichever header the SDK uses) must belong
// to an open run, and the path's provider segment must be one of that run's providers (its own,
// or one its sub-agents were planned with).
import type { IncomingMessage, ServerResponse } from "node:http";
import { forwardCall } from "./forward-call.js";
import { sendGatewayError } from "./gateway-answer.js";
import type { GatewayRunState } from "./gateway-run-state.js";
import { isModelCall, providerOfSegment, wireFamily } from "./upstream.js";

/** The capability token as each SDK sends its key: x-api-key, Bearer, x-goog-api-key or ?key=. */
export function presentedToken(req: IncomingMessage, search: URLSearchParams): string | undefined {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === "string" && value ? value : undefined;
  };
  const bearer = /^Bearer\s+(\S+)$/i.exec(header("authorization") ?? "")?.[1];
  return (
    header("x-api-key") ?? bearer ?? header("x-goog-api-key") ?? (search.get("key") || undefined)
  );
}

/**
 * `path` is the request path below the gateway's root (`/anthropic/v1/messages?…`). `findRun`
 * returns the open run the token belongs to, or undefined.
 */
export function handleModelCall(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  findRun: (token: string) => GatewayRunState | undefined,
): Promise<void> {
  const url = new URL(path, "http://gateway.invalid");
  const [, segment = "", ...rest] = url.pathname.split("/");
  const provider = providerOfSegment(segment);
  const family = provider ? wireFamily(provider) : "openai";
  const token = presentedToken(req, url.searchParams);
  const run = token ? findRun(token) : undefined;
  if (!run) {
    req.resume();
    sendGatewayError(res, family, 401, "GATEWAY_UNAUTHORIZED", "no open run has this token");
    return Promise.resolve();
  }
  if (!provider) {
    req.resume();
    sendGatewayError(res, family, 404, "GATEWAY_NOT_FOUND", `no provider route /${segment}`);
    return Promise.resolve();
  }
  const upstream = run.upstreamOf(provider);
  if (!upstream) {
    req.resume();
    const reason = `this run's token is for ${run.providers.join(", ")}, not ${provider}`;
    sendGatewayError(res, family, 403, "GATEWAY_WRONG_PROVIDER", reason);
    return Promise.resolve();
  }
  const remainder = `/${rest.join("/")}`;
  if (!isModelCall(provider, req.method ?? "GET", remainder)) {
    req.resume();
    const reason = `${req.method} /${segment}${remainder} is not a model call`;
    sendGatewayError(res, family, 404, "GATEWAY_NOT_FOUND", reason);
    return Promise.resolve();
  }
  return forwardCall(run, upstream, req, res, remainder, url.searchParams);
}
