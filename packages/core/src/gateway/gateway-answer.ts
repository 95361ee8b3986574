// Answers the gateway makes itself (refusals, an unreachable upstream), shaped like the provider's
// own error JSON so the runner's SDK parses them and its error mapping applies unchanged.
import type { ServerResponse } from "node:http";
import { GATEWAY_ERROR_HEADER } from "@sandcaster/protocol";
import type { WireFamily } from "./upstream.js";

/** The gateway's own error codes, in the body's message and in GATEWAY_ERROR_HEADER. */
export type GatewayErrorCode =
  | "GATEWAY_UNAUTHORIZED"
  | "GATEWAY_WRONG_PROVIDER"
  | "GATEWAY_NOT_FOUND"
  | "GATEWAY_BAD_REQUEST"
  | "GATEWAY_BUSY"
  | "BUDGET_EXCEEDED"
  | "MODEL_CONNECTION_FAILED";

const GOOGLE_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  402: "RESOURCE_EXHAUSTED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  502: "UNAVAILABLE",
};

const ANTHROPIC_TYPE: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  502: "api_error",
};

export function errorBody(
  family: WireFamily,
  status: number,
  code: GatewayErrorCode,
  text: string,
) {
  const message = `${code}: ${text}`;
  switch (family) {
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPE[status] ?? "api_error", message } };
    case "google":
      return { error: { code: status, message, status: GOOGLE_STATUS[status] ?? "UNKNOWN" } };
    case "openai":
      return { error: { message, type: "sandcaster_gateway", code, param: null } };
  }
}

export function sendGatewayError(
  res: ServerResponse,
  family: WireFamily,
  status: number,
  code: GatewayErrorCode,
  text: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(family, status, code, text));
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    [GATEWAY_ERROR_HEADER]: code,
  });
  res.end(body);
}
