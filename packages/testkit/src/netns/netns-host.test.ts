// Real network namespaces: skipped (with the reason) unless root with iproute2, or required by
// SANDCASTER_REQUIRE_NETNS=1.
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { netnsUnavailableReason, startNetnsHost } from "./netns-host.js";

const reason = netnsUnavailableReason();
const required = process.env.SANDCASTER_REQUIRE_NETNS === "1";

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("curl", ["-sS", "--max-time", "10", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const namespaces = () => execFileSync("ip", ["netns", "list"]).toString();
const links = () => execFileSync("ip", ["-o", "link", "show"]).toString();

describe.runIf(reason !== undefined && required)("netns test hosts (required)", () => {
  it("can run here", () => {
    throw new Error(`SANDCASTER_REQUIRE_NETNS=1 but ${reason}`);
  });
});

describe.skipIf(reason !== undefined)(`netns test hosts${reason ? ` (${reason})` : ""}`, () => {
  it("serves HTTP and HTTPS on its own address and leaves nothing behind", async () => {
    const host = await startNetnsHost({ hostnames: ["allowed.test"], label: "one" });
    const dir = await mkdtemp(join(tmpdir(), "sc-netns-"));
    try {
      expect(host.address).toMatch(/^10\.251\.\d+\.\d+$/);
      expect(host.resolve("ALLOWED.test")).toEqual([host.address]);
      expect(host.resolve("other.test")).toBeUndefined();
      expect(namespaces()).toContain(host.namespace);
      const plain = await curl([`http://${host.address}/hello`]);
      expect(JSON.parse(plain.stdout)).toMatchObject({
        server: "one",
        scheme: "http",
        path: "/hello",
      });
      const ca = join(dir, "ca.pem");
      await writeFile(ca, host.caPem);
      const tls = await curl([
        "--cacert",
        ca,
        "--resolve",
        `allowed.test:443:${host.address}`,
        "https://allowed.test/secure",
      ]);
      expect(tls.code, tls.stderr).toBe(0);
      expect(JSON.parse(tls.stdout)).toMatchObject({ scheme: "https", host: "allowed.test" });
      expect(host.connections.map((c) => c.scheme)).toEqual(["http", "https"]);
      expect(host.connections[0]?.from).toBe(host.gateway);
    } finally {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    }
    expect(namespaces()).not.toContain(host.namespace);
    expect(links()).not.toContain(host.namespace.replace("sc-egress-", "vsc"));
    await host.close();
  });

  it("gives two hosts at once different subnets", async () => {
    const [a, b] = await Promise.all([
      startNetnsHost({ hostnames: ["a.test"] }),
      startNetnsHost({ hostnames: ["b.test"] }),
    ]);
    try {
      expect(a.address).not.toBe(b.address);
      const answer = await curl([`http://${b.address}/`]);
      expect(JSON.parse(answer.stdout)).toMatchObject({ server: "b.test" });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
