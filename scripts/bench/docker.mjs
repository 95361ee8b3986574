// Docker for the benchmarks: is a daemon with the test image there, and where containers reach the host.
import Docker from "dockerode";

export async function bridgeGateway(docker) {
  const info = await docker.getNetwork("bridge").inspect();
  const config = info.IPAM?.Config?.find((c) => c.Subnet?.includes("."));
  if (config?.Gateway) return config.Gateway;
  const match = /^(\d+\.\d+\.\d+\.)(\d+)\//.exec(config?.Subnet ?? "");
  if (!match) throw new Error("cannot tell the docker bridge gateway");
  return `${match[1]}${Number(match[2]) + 1}`;
}

export async function dockerReadiness(image) {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    return {
      ok: false,
      reason: `no Docker daemon (${error instanceof Error ? error.message : error})`,
    };
  }
  try {
    await docker.getImage(image).inspect();
  } catch {
    return { ok: false, reason: `image ${image} missing (scripts/build-test-image.sh)` };
  }
  return { ok: true, docker };
}
