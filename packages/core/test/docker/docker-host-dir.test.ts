// The per-sandbox host socket dir: a socket the host makes after start is reachable from inside
// by the sandbox user; the dir is read-only inside, removed at destroy, and swept after a crash.
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat, symlink } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SANDBOX_HOST_DIR } from "@sandcaster/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDockerProvider } from "../../src/providers/docker/index.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import {
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

const available = await probeDocker();
const labels = suiteLabels();
const never = new AbortController().signal;

/** An HTTP server on a Unix socket, opened to everyone (0666) as the gateway will be. */
async function listenOnSocket(path: string): Promise<Server> {
  const server = createServer((req, res) => {
    res.end(`pong ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  await chmod(path, 0o666);
  return server;
}

/** What a process in the container gets for GET /ping on the socket (or the error code). */
const CLIENT = `
const http = require("node:http");
const req = http.get({ socketPath: process.argv[1], path: "/ping" }, (res) => {
  let body = "";
  res.on("data", (c) => (body += c));
  res.on("end", () => console.log(JSON.stringify({ uid: process.getuid(), body })));
});
req.on("error", (e) => console.log(JSON.stringify({ uid: process.getuid(), error: e.code })));
`;

describe.skipIf(!available)("docker host socket dir", () => {
  let root: string;
  let provider: ReturnType<typeof createDockerProvider>;
  const sandboxes: Sandbox[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    await ensureTestImage();
    root = await mkdtemp(join(tmpdir(), "sandcaster-hostdir-test-"));
    provider = createDockerProvider({
      docker,
      image: TEST_IMAGE,
      labels,
      hostDirRoot: join(root, "dirs"),
    });
  }, 180_000);

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.destroy()));
  });

  afterAll(async () => {
    const leftovers = await containersWithLabels(labels);
    await removeContainersWithLabels(labels);
    await rm(root, { recursive: true, force: true });
    expect(leftovers.map((container) => container.Names)).toEqual([]);
  });

  it("a socket made after start answers the sandbox user; the dir is read-only inside and gone after destroy", async () => {
    const sandbox = await provider.create(sandboxOptions());
    sandboxes.push(sandbox);
    const dir = sandbox.hostSocketDir ?? "";
    expect(dir.startsWith(join(root, "dirs"))).toBe(true);
    expect((await stat(dir)).mode & 0o777).toBe(0o711);
    // Created only now, after the container started.
    servers.push(await listenOnSocket(join(dir, "gateway.sock")));

    const client = await finish(
      await sandbox.spawn({
        command: [sandbox.nodePath, "-e", CLIENT, `${SANDBOX_HOST_DIR}/gateway.sock`],
        env: {},
        signal: never,
      }),
    );
    expect(JSON.parse(client.stdout)).toEqual({ uid: 1000, body: "pong GET /ping" });

    // The sandbox can neither plant nor replace anything there.
    const write = await finish(
      await sandbox.spawn({
        command: [
          "sh",
          "-c",
          `touch ${SANDBOX_HOST_DIR}/x; rm -f ${SANDBOX_HOST_DIR}/gateway.sock`,
        ],
        env: {},
        signal: never,
      }),
    );
    expect(write.stderr).toMatch(/Read-only file system/);
    expect((await readdir(dir)).sort()).toEqual(["gateway.sock", "runner.mjs"]);

    await sandbox.destroy();
    await expect(lstat(dir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("every sandbox has its own dir: one sandbox cannot reach another's socket", async () => {
    const [a, b] = await Promise.all([
      provider.create(sandboxOptions()),
      provider.create(sandboxOptions()),
    ]);
    sandboxes.push(a, b);
    expect(a.hostSocketDir).not.toBe(b.hostSocketDir);
    servers.push(await listenOnSocket(join(a.hostSocketDir ?? "", "gateway.sock")));
    const fromB = await finish(
      await b.spawn({
        command: [b.nodePath, "-e", CLIENT, `${SANDBOX_HOST_DIR}/gateway.sock`],
        env: {},
        signal: never,
      }),
    );
    expect(JSON.parse(fromB.stdout)).toEqual({ uid: 1000, error: "ENOENT" });
  });

  it("a failed create leaves no dir behind", async () => {
    const missing = createDockerProvider({
      docker,
      image: "sandcaster-no-such-image:never",
      labels,
      hostDirRoot: join(root, "dirs"),
    });
    const before = await readdir(join(root, "dirs")).catch(() => []);
    // No such image: the container is never made.
    await expect(missing.create(sandboxOptions())).rejects.toMatchObject({
      code: "SANDBOX_IMAGE_MISSING",
    });
    expect(await readdir(join(root, "dirs")).catch(() => [])).toEqual(before);
  });

  it("the sweep removes dirs of servers that are gone and keeps this server's", async () => {
    const sandbox = await provider.create(sandboxOptions());
    sandboxes.push(sandbox);
    // pid 2^22+1 is above Linux's pid_max: no such process can exist.
    const dead = join(root, "dirs", "4194305-1-0123456789ab");
    await mkdir(dead);
    expect(await provider.sweepOrphans()).toBe(0);
    await expect(lstat(dead)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(sandbox.hostSocketDir ?? "")).isDirectory()).toBe(true);
  });

  it("refuses a root another user could control (a symlink in the shared temp dir)", async () => {
    const target = await mkdtemp(join(root, "elsewhere-"));
    const planted = join(root, "planted");
    await symlink(target, planted);
    const hijacked = createDockerProvider({
      docker,
      image: TEST_IMAGE,
      labels,
      hostDirRoot: planted,
    });
    await expect(hijacked.create(sandboxOptions())).rejects.toMatchObject({
      code: "SANDBOX_CREATE_FAILED",
    });
    expect(await readdir(target)).toEqual([]);
  });
});
