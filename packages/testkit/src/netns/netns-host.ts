// Test hosts "outside" the sandbox without touching any real address: a network namespace with a
// veth pair to this host on a private /30 the test picks (10.251.x.y), an HTTP and an HTTPS
// server inside it, and fake names for it. Needs root and iproute2; teardown removes the
// namespace, the veth and the server even when start-up fails half way.
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeCertificate } from "./tls-cert.js";

const run = promisify(execFile);
const SERVER_SCRIPT = fileURLToPath(new URL("../../src/netns/host-server.mjs", import.meta.url));
const READY_TIMEOUT_MS = 15_000;

export interface NetnsConnection {
  scheme: "http" | "https";
  from: string;
}

export interface NetnsHost {
  /** The namespace's name (`ip netns exec <name> …` runs a command "on" the host). */
  readonly namespace: string;
  /** The host's address (inside the namespace); HTTP on :80, HTTPS on :443. */
  readonly address: string;
  /** This machine's end of the veth: where the host sees connections come from. */
  readonly gateway: string;
  /** Names the HTTPS certificate is valid for (and that resolve() knows). */
  readonly hostnames: readonly string[];
  /** The self-signed certificate to trust (PEM), made at start. */
  readonly caPem: string;
  /** Every connection the servers accepted, in order, as they arrive. */
  readonly connections: readonly NetnsConnection[];
  /** [address] for one of `hostnames`, else undefined: a resolver for the code under test. */
  resolve(name: string): string[] | undefined;
  /** Stops the servers and deletes the namespace and veth. Idempotent. */
  close(): Promise<void>;
}

export interface NetnsHostOptions {
  /** Fake names for the host (e.g. "allowed.test"); the certificate covers them and the address. */
  hostnames: readonly string[];
  /** Shown in every answer's `server` field, to tell hosts apart. Default: the first name. */
  label?: string;
}

/** Why netns test hosts cannot run here (skip the test with this line), or undefined. */
export function netnsUnavailableReason(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0)
    return "network namespace test hosts need root (run the tests as root)";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
  } catch {
    return "`ip netns` does not work here (install iproute2: apt-get install iproute2)";
  }
  return undefined;
}

/** Blocks handed out by this process and not yet released (two starts may race `ip addr`). */
const reserved = new Set<number>();

/** A /30 inside 10.251.0.0/16 that no interface or route on this machine uses yet. */
async function freeSubnet(): Promise<{ block: number; gateway: string; address: string }> {
  const { stdout: addrs } = await run("ip", ["-4", "-o", "addr", "show"]);
  const { stdout: routes } = await run("ip", ["-4", "route", "show", "table", "all"]);
  const used = `${addrs}\n${routes}`;
  for (let attempt = 0; attempt < 64; attempt++) {
    const block = randomInt(0, 16_384);
    const prefix = `10.251.${block >> 6}.`;
    const base = (block & 63) * 4;
    const taken = [0, 1, 2, 3].some(
      (i) => used.includes(`${prefix}${base + i}/`) || used.includes(`${prefix}${base + i} `),
    );
    if (!taken && !reserved.has(block)) {
      reserved.add(block);
      return { block, gateway: `${prefix}${base + 1}`, address: `${prefix}${base + 2}` };
    }
  }
  throw new Error("no free /30 in 10.251.0.0/16");
}

/** Removes what start-up made; every step tolerates the thing being gone already. */
function teardownSync(namespace: string, hostVeth: string): void {
  for (const args of [
    ["netns", "del", namespace],
    ["link", "del", hostVeth],
  ]) {
    try {
      execFileSync("ip", args, { stdio: "ignore" });
    } catch {
      // Already gone (deleting the namespace removes the veth pair with it).
    }
  }
}

function waitReady(child: ChildProcess, connections: NetnsConnection[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    let stderr = "";
    const timer = setTimeout(
      () => reject(new Error(`test host server not ready in ${READY_TIMEOUT_MS} ms: ${stderr}`)),
      READY_TIMEOUT_MS,
    );
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let message: { ready?: true; connection?: "http" | "https"; from?: string };
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (message.ready) {
          clearTimeout(timer);
          resolve();
        } else if (message.connection) {
          connections.push({ scheme: message.connection, from: message.from ?? "" });
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`test host server exited (${code}): ${stderr}`));
    });
  });
}

export async function startNetnsHost(options: NetnsHostOptions): Promise<NetnsHost> {
  const reason = netnsUnavailableReason();
  if (reason) throw new Error(reason);
  if (!existsSync(SERVER_SCRIPT)) throw new Error(`missing ${SERVER_SCRIPT}`);
  const id = randomBytes(3).toString("hex");
  const namespace = `sc-egress-${id}`;
  const hostVeth = `vsc${id}h`;
  const nsVeth = `vsc${id}n`;
  const cleanupOnExit = () => teardownSync(namespace, hostVeth);
  process.once("exit", cleanupOnExit);
  let block: number | undefined;
  const release = () => {
    teardownSync(namespace, hostVeth);
    if (block !== undefined) reserved.delete(block);
    process.removeListener("exit", cleanupOnExit);
  };
  let child: ChildProcess | undefined;
  const connections: NetnsConnection[] = [];
  try {
    const subnet = await freeSubnet();
    block = subnet.block;
    const { gateway, address } = subnet;
    const steps: string[][] = [
      ["netns", "add", namespace],
      ["link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth],
      ["link", "set", nsVeth, "netns", namespace],
      ["addr", "add", `${gateway}/30`, "dev", hostVeth],
      ["link", "set", hostVeth, "up"],
      ["-n", namespace, "addr", "add", `${address}/30`, "dev", nsVeth],
      ["-n", namespace, "link", "set", nsVeth, "up"],
      ["-n", namespace, "link", "set", "lo", "up"],
    ];
    for (const args of steps) await run("ip", args);
    const certificate = await makeCertificate([...options.hostnames], address);
    const serverConfig = {
      name: options.label ?? options.hostnames[0] ?? namespace,
      address,
      cert: certificate.certPem,
      key: certificate.keyPem,
    };
    child = spawn("ip", ["netns", "exec", namespace, process.execPath, SERVER_SCRIPT], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        SANDCASTER_NETNS_SERVER: JSON.stringify(serverConfig),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    await waitReady(child, connections);
    const server = child;
    const names = new Set(options.hostnames.map((name) => name.toLowerCase()));
    let closing: Promise<void> | undefined;
    return {
      namespace,
      address,
      gateway,
      hostnames: [...options.hostnames],
      caPem: certificate.certPem,
      connections,
      resolve: (name) => (names.has(name.toLowerCase()) ? [address] : undefined),
      close() {
        closing ??= stop(server).then(release);
        return closing;
      },
    };
  } catch (error) {
    if (child) await stop(child);
    release();
    throw error;
  }
}

/** Ends the server (stdin closed, then SIGKILL if it lingers) and waits for it to be gone. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
    child.kill("SIGTERM");
  });
}
