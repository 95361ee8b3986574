// Lazily constructed Dockerode client: docker.socketPath (socket path or URL), else DOCKER_HOST.
import Dockerode from "dockerode";

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
    client ??= new Dockerode(dockerClientOptions(socketPath));
    return client;
  };
}
