// Lazily constructed Dockerode client: docker.socketPath (socket path or URL), else DOCKER_HOST.
// dockerode (with docker-modem and ssh2, ~8 MB resident) is required on the first client, not when
// core is imported: a server that never uses docker does not hold it.
import { createRequire } from "node:module";
import type Dockerode from "dockerode";

const require = createRequire(import.meta.url);

/** Dockerode options for a configured socket path or daemon URL; undefined → docker-modem defaults. */
export function dockerClientOptions(socketPath?: string): Dockerode.DockerOptions | undefined {
  if (!socketPath) return undefined; // docker-modem: DOCKER_HOST, then the default unix socket
  if (socketPath.startsWith("unix://")) return { socketPath: socketPath.slice("unix://".length) };
  if (socketPath.startsWith("npipe://")) return { socketPath: socketPath.slice("npipe:".length) };
  const url = /^(tcp|http|https|ssh):\/\//.exec(socketPath) ? new URL(socketPath) : undefined;
  if (!url) return { socketPath };
  if (url.protocol === "ssh:") {
    return {
      protocol: "ssh",
      host: url.hostname,
      port: url.port || 22,
      username: url.username || undefined,
    };
  }
  const https = url.protocol === "https:";
  return {
    protocol: https ? "https" : "http",
    host: url.hostname,
    port: url.port || (https ? 2376 : 2375),
  };
}

/** Returns a getter that builds the client on first use (construction does no I/O). */
export function lazyDockerClient(injected?: Dockerode, socketPath?: string): () => Dockerode {
  let client = injected;
  return () => {
    if (!client) {
      const DockerClient = require("dockerode") as typeof Dockerode;
      client = new DockerClient(dockerClientOptions(socketPath));
    }
    return client;
  };
}
