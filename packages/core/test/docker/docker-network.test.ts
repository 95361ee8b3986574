// Attack: a hostile process in a Docker sandbox tries to reach the host's services. With
// network "none" nothing answers; with "bridge" (today's default) the host's bridge address does.
import { createServer, type Server } from "node:net";
import { SandcasterConfigSchema } from "@sandcaster/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import type { Sandbox, SandboxLimits } from "../../src/sandbox/sandbox.js";
import { sandboxLimits } from "../../src/sandbox/sandbox-limits.js";
import {
  bridgeGateway,
  containersWithLabels,
  docker,
  ensureTestImage,
  finish,
  probeDocker,
  removeContainersWithLabels,
  sandboxOptions,
  suiteLabels,
  TEST_IMAGE,
} from "./docker-test-env.js";

/**
 * Whether the default `docker.network` keeps host services out of reach: true since runs reach
 * their model through the host socket and "none" became the default (the test below failed before).
 */
const DEFAULT_NETWORK_ISOLATES_HOST = true;

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;

/**
 * The hostile command: bounded TCP connects (2 s each) to every target, plus the interfaces it
 * has. Prints {"interfaces": [...], "results": {"host:port": "open" | error code | "timeout"}}.
 */
const PROBE = `
const net = require("node:net");
const fs = require("node:fs");
const targets = JSON.parse(process.argv[1]);
const attempt = ([host, port]) => new Promise((resolve) => {
  const socket = net.connect({ host, port });
  const done = (result) => { socket.destroy(); resolve([host + ":" + port, result]); };
  socket.setTimeout(2000, () => done("timeout"));
  socket.on("connect", () => done("open"));
  socket.on("error", (error) => done(error.code));
});
Promise.all(targets.map(attempt)).then((results) => {
  const interfaces = fs.readdirSync("/sys/class/net").sort();
  console.log(JSON.stringify({ interfaces, results: Object.fromEntries(results) }));
});
`;

/** A non-TTY container's log: frames of an 8-byte header (stream, 0, 0, 0, size) + data. */
function stdoutOf(buffer: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= buffer.length; offset += 8 + buffer.readUInt32BE(offset + 4)) {
    parts.push(buffer.subarray(offset + 8, offset + 8 + buffer.readUInt32BE(offset + 4)));
  }
  return Buffer.concat(parts).toString("utf8");
}

async function listen(host: string): Promise<{ server: Server; port: number }> {
  // A probe that only connects and leaves resets the connection: not an error of this test.
  const server = createServer((socket) => {
    socket.on("error", () => undefined);
    socket.end("host service\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return { server, port: address.port };
}

describe.skipIf(!available)("docker sandbox network (attack)", () => {
  const provider = createDockerProvider({ docker, image: TEST_IMAGE, labels });
  const sandboxes: Sandbox[] = [];
  const servers: Server[] = [];
  let gateway: string;
  let loopbackPort: number;
  let bridgePort: number;

  beforeAll(async () => {
    await ensureTestImage();
    gateway = await bridgeGateway();
    // Host services as an operator runs them: one on loopback, one on the bridge address
    // (what anything bound on 0.0.0.0 is reachable at from a container).
    const loopback = await listen("127.0.0.1");
    const bridge = await listen(gateway);
    servers.push(loopback.server, bridge.server);
    loopbackPort = loopback.port;
    bridgePort = bridge.port;
  }, 180_000);

  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    const leftovers = await containersWithLabels(labels);
    await removeContainersWithLabels(labels);
    expect(leftovers.map((container) => container.Names)).toEqual([]);
  });

  const probe = async (network: SandboxLimits["network"]) => {
    const options = sandboxOptions();
    const sandbox = await provider.create({ ...options, limits: { ...options.limits, network } });
    sandboxes.push(sandbox);
    const targets = [
      ["127.0.0.1", loopbackPort],
      [gateway, loopbackPort],
      [gateway, bridgePort],
    ];
    const run = await finish(
      await sandbox.spawn({
        command: [sandbox.nodePath, "-e", PROBE, JSON.stringify(targets)],
        env: {},
        signal: never,
      }),
    );
    return JSON.parse(run.stdout) as { interfaces: string[]; results: Record<string, string> };
  };

  it('with network "none" no host service answers and there is no interface but loopback', async () => {
    const { interfaces, results } = await probe("none");
    // Loopback only: no route to any address at all, not just the ones tried here.
    expect(interfaces).toEqual(["lo"]);
    expect(results[`127.0.0.1:${loopbackPort}`]).toBe("ECONNREFUSED");
    expect(results[`${gateway}:${loopbackPort}`]).toBe("ENETUNREACH");
    expect(results[`${gateway}:${bridgePort}`]).toBe("ENETUNREACH");
  });

  it('with network "bridge" the host\'s bridge address answers (the exposure "none" removes)', async () => {
    const { interfaces, results } = await probe("bridge");
    expect(interfaces).toContain("eth0");
    // The container's own loopback is not the host's...
    expect(results[`127.0.0.1:${loopbackPort}`]).toBe("ECONNREFUSED");
    // ...but every host service bound on the bridge address (or 0.0.0.0) is reachable.
    expect(results[`${gateway}:${bridgePort}`]).toBe("open");
  });

  it('an "internal" Docker network still reaches the host: why it is not offered', async () => {
    // --internal only drops forwarded traffic; the host's own addresses are input, not forward.
    const name = `sandcaster-eval-internal-${Date.now()}`;
    const network = await docker.createNetwork({ Name: name, Internal: true, Labels: labels });
    try {
      const info = (await network.inspect()) as { IPAM: { Config: { Gateway: string }[] } };
      const internalGateway = info.IPAM.Config[0]?.Gateway ?? "";
      const container = await docker.createContainer({
        Image: TEST_IMAGE,
        Entrypoint: ["node", "-e", PROBE],
        Cmd: [
          JSON.stringify([
            [gateway, bridgePort],
            [internalGateway, 1],
          ]),
        ],
        Labels: labels,
        HostConfig: { NetworkMode: name, CapDrop: ["ALL"] },
      });
      try {
        await container.start();
        await container.wait();
        const results = JSON.parse(stdoutOf(await container.logs({ stdout: true })))
          .results as Record<string, string>;
        expect(results[`${gateway}:${bridgePort}`]).toBe("open");
        // The internal network's own gateway is the host too: it answers (refused = reached).
        expect(results[`${internalGateway}:1`]).toBe("ECONNREFUSED");
      } finally {
        await container.remove({ force: true });
      }
    } finally {
      await network.remove();
    }
  });

  it("the default docker.network exposes host services exactly until wave 2 flips it", async () => {
    const { network } = sandboxLimits(SandcasterConfigSchema.parse({}).docker);
    const { results } = await probe(network);
    const reachable = Object.values(results).includes("open");
    expect(reachable).toBe(!DEFAULT_NETWORK_ISOLATES_HOST);
  });
});
