// Can the Docker daemon be reached, and is the sandbox image there?
import { dockerClientOptions } from "@sandcaster/core";
import type { SandcasterConfig } from "@sandcaster/protocol";
import Docker from "dockerode";
import { type Finding, reason } from "./check.js";

export interface DockerFindings {
  daemon: Finding;
  /** Undefined when the daemon did not answer (nothing to ask). */
  image: Finding | undefined;
  /** "overlay2 on extfs": the storage driver and its backing filesystem, when the daemon says. */
  storage?: string | undefined;
}

type Pingable = { ping(options: { abortSignal: AbortSignal }): Promise<unknown> };
type Inspectable = { inspect(options: { abortSignal: AbortSignal }): Promise<unknown> };

export async function probeDocker(
  config: SandcasterConfig,
  env: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal,
): Promise<DockerFindings> {
  const where = config.docker.socketPath ?? env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  const docker = new Docker(dockerClientOptions(config.docker.socketPath));
  try {
    // dockerode's typings omit the options these calls accept; abortSignal is passed on.
    await (docker as unknown as Pingable).ping({ abortSignal: signal });
  } catch (error) {
    const daemon = {
      ok: false,
      message: `no Docker daemon at ${where}: ${reason(error)}`,
      hint: "start Docker, or point DOCKER_HOST (or docker.socketPath) at its socket",
    };
    return { daemon, image: undefined };
  }
  const daemon = { ok: true, message: `daemon answers at ${where}` };
  const storage = await storageOf(docker, signal);
  const name = env.SANDCASTER_DOCKER_IMAGE ?? config.docker.image;
  try {
    await (docker.getImage(name) as unknown as Inspectable).inspect({ abortSignal: signal });
    return { daemon, storage, image: { ok: true, message: `${name} is present` } };
  } catch (error) {
    const missing = (error as { statusCode?: number }).statusCode === 404;
    const image = {
      ok: false,
      message: missing ? `${name} is not built` : `cannot inspect ${name}: ${reason(error)}`,
      // The build needs Docker Hub (its base image); offline and Docker-less ways are named too.
      hint: missing
        ? `sandcaster image build --tag ${name} (pulls its base image from Docker Hub); offline, in a checkout: bash scripts/build-test-image.sh, then SANDCASTER_DOCKER_IMAGE=sandcaster-sandbox:test; or run without Docker: "sandboxProvider": "local" (bubblewrap)`
        : `sandcaster image build --tag ${name}`,
    };
    return { daemon, storage, image };
  }
}

type Informative = { info(options: { abortSignal: AbortSignal }): Promise<unknown> };

/** The storage driver and backing filesystem (why volumes cannot be size-capped); best effort. */
async function storageOf(docker: Docker, signal: AbortSignal): Promise<string | undefined> {
  try {
    const info = (await (docker as unknown as Informative).info({ abortSignal: signal })) as {
      Driver?: string;
      DriverStatus?: [string, string][];
    };
    const backing = info.DriverStatus?.find(([key]) => key === "Backing Filesystem")?.[1];
    return info.Driver ? `${info.Driver}${backing ? ` on ${backing}` : ""}` : undefined;
  } catch {
    return undefined;
  }
}
