// /gateway/<provider>/…: the model gateway for remote sandboxes (e2b), reached at config
// gateway.publicUrl. Authenticated by the run's capability token, not by the server's API key.
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { type GatewayRegistry, handleModelCall, sharedGatewayRegistry } from "@sandcaster/core";
import { GATEWAY_ROUTE_PREFIX } from "@sandcaster/protocol";
import { Hono } from "hono";
import { HttpError } from "../http-error.js";

export function gatewayRoute(registry: GatewayRegistry = sharedGatewayRegistry): Hono {
  const app = new Hono();
  app.all(`${GATEWAY_ROUTE_PREFIX}/*`, function gateway(c) {
    const { incoming, outgoing } = (c.env ?? {}) as Partial<HttpBindings>;
    // The answer streams straight onto node's response (backpressure and all), so this route
    // needs the node server's bindings; an app called without them cannot serve it.
    if (!incoming || !outgoing) {
      throw new HttpError(501, "INTERNAL", "the gateway route needs the node HTTP server");
    }
    const path = (incoming.url ?? "/").slice(GATEWAY_ROUTE_PREFIX.length) || "/";
    handleModelCall(incoming, outgoing, path, (token) => registry.find(token)).catch(() =>
      outgoing.destroy(),
    );
    return RESPONSE_ALREADY_SENT;
  });
  return app;
}
