// sandcaster.json `server` and `sessions`: what the HTTP server accepts from whom, and how much.
import * as z from "zod";

export const ServerConfigSchema = z.strictObject({
  /**
   * Host names (the Host header without its port) served while no API key is set, besides
   * loopback (localhost, 127.0.0.0/8, ::1). Stops DNS rebinding: a web page whose name resolves
   * to 127.0.0.1 still sends its own name. More from SANDCASTER_ALLOWED_HOSTS (comma-separated).
   */
  allowedHosts: z.array(z.string().min(1).max(253)).max(100).default([]),
});
export type ServerConfig = z.output<typeof ServerConfigSchema>;

export const SessionsConfigSchema = z.strictObject({
  /** Largest workspace archive PUT /sessions/:id/workspace accepts (413 beyond). Default 1 GiB. */
  maxArchiveBytes: z
    .int()
    .min(1024)
    .max(1024 ** 4)
    .default(1024 ** 3),
});
export type SessionsConfig = z.output<typeof SessionsConfigSchema>;
