// While no API key is set, answers only requests addressed to loopback or a configured host name.
//
// Without a key, anything that can reach the port can drive the server; a browser page can too, by
// DNS rebinding (its name re-resolved to 127.0.0.1 after the page loaded). The browser then still
// sends the page's own name in Host, so refusing unknown Host values closes that door.
import { isIP } from "node:net";
import type { MiddlewareHandler } from "hono";
import { HttpError } from "../http-error.js";

export interface HostCheckOptions {
  /** With a key, every request is authenticated anyway: no check. */
  apiKey: string | undefined;
  /** sandcaster.json `server.allowedHosts`. */
  allowedHosts: readonly string[];
  /** SANDCASTER_ALLOWED_HOSTS: more names, comma-separated. */
  envHosts?: string | undefined;
}

/**
 * Probes (an orchestrator sends the pod's address as Host) and the signed E2B webhook (E2B sends
 * the public name) reveal or change nothing a rebinding page could use.
 */
const UNCHECKED_PATHS = new Set(["/health", "/ready", "/webhooks/e2b"]);

/** The host name of a Host header value ("[::1]:8080" → "::1", "Example.com:80" → "example.com"). */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    return end > 0 ? value.slice(1, end) : value;
  }
  const colon = value.lastIndexOf(":");
  const name = colon >= 0 && value.indexOf(":") === colon ? value.slice(0, colon) : value;
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

function isLoopback(name: string): boolean {
  if (name === "localhost") return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  return name === "::1" || name === "0:0:0:0:0:0:0:1";
}

export function hostCheck(options: HostCheckOptions): MiddlewareHandler {
  const allowed = new Set(
    [...options.allowedHosts, ...(options.envHosts ?? "").split(",")]
      .map((host) => hostName(host))
      .filter((host) => host !== ""),
  );
  const enabled = !options.apiKey;
  return async function hostCheck(c, next) {
    if (!enabled || UNCHECKED_PATHS.has(c.req.path)) return next();
    const header = c.req.header("host") ?? "";
    const name = hostName(header);
    if (isLoopback(name) || allowed.has(name)) return next();
    throw new HttpError(
      421,
      "HOST_NOT_ALLOWED",
      `this server has no API key, so it answers only for localhost and the hosts in server.allowedHosts (or SANDCASTER_ALLOWED_HOSTS); not for ${JSON.stringify(header.slice(0, 200))}`,
      { details: [{ field: "host", message: "not a loopback or allowed host" }] },
    );
  };
}
