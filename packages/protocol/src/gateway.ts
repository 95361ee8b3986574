// How an in-sandbox runner reaches the host's model gateway: the wire names both sides share.
import * as z from "zod";
import { ModelProviderSchema } from "./enums.js";

/** The gateway's Unix socket, in the sandbox's host socket dir (seen inside at SANDBOX_HOST_DIR). */
export const GATEWAY_SOCKET_NAME = "gateway.sock";

/** Path prefix of the gateway routes on the server's public HTTP app (remote sandboxes: e2b). */
export const GATEWAY_ROUTE_PREFIX = "/gateway";

/**
 * First path segment of a model call on the gateway: `/anthropic/v1/messages`,
 * `/openai/chat/completions`, `/google/v1beta/models/…`, `/openrouter/chat/completions`.
 * `openai-compatible` is the same upstream as `openai` (a configured OPENAI_BASE_URL).
 */
export const GATEWAY_PROVIDER_SEGMENTS = [
  "anthropic",
  "openai",
  "google",
  "openrouter",
  "openai-compatible",
] as const;

/** Error code a gateway puts in the body when the upstream provider could not be reached. */
export const GATEWAY_UPSTREAM_UNREACHABLE = "MODEL_CONNECTION_FAILED";

/** Header the gateway sets on answers it made itself (not the provider's): the error code. */
export const GATEWAY_ERROR_HEADER = "x-sandcaster-gateway-error";

/** The runner's side of the gateway: where it is and the capability token that stands for the key. */
export const RunnerGatewaySchema = z
  .strictObject({
    /** Unix socket inside the sandbox (local, docker): the runner relays a loopback port to it. */
    socket: z.string().min(1).max(4096).optional(),
    /** Base URL ending before the provider segment (e2b): `https://server/gateway`. */
    url: z.url().max(4096).optional(),
    /** Stands in for the API key; valid for this run and this provider only. */
    token: z.string().min(16).max(512),
    provider: ModelProviderSchema,
    /**
     * True when the gateway forwards to a configured base URL (an OpenAI-compatible server)
     * rather than the provider's official API; some request fields differ (max_tokens).
     */
    customBaseUrl: z.boolean().default(false),
    /**
     * Other providers the same token may call: those of sub-agents whose model is of another
     * family than the run's (`/<provider>/…` on the same gateway, metered into the same run).
     */
    moreProviders: z
      .array(z.strictObject({ provider: ModelProviderSchema, customBaseUrl: z.boolean() }))
      .max(4)
      .optional(),
  })
  .refine((g) => Boolean(g.socket) !== Boolean(g.url), {
    message: "exactly one of socket and url",
    path: ["socket"],
  });
export type RunnerGateway = z.output<typeof RunnerGatewaySchema>;

/** sandcaster.json `gateway`. */
export const GatewayConfigSchema = z.strictObject({
  /**
   * Where remote sandboxes (e2b) reach this server's gateway routes, e.g.
   * `https://sandcaster.example.com/gateway` (TLS in production). Without it e2b runs get no gateway.
   */
  publicUrl: z.url().max(2048).optional(),
});
export type GatewayConfig = z.output<typeof GatewayConfigSchema>;
