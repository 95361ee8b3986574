// The whole path from inside a sandbox with no network (bubblewrap --unshare-net, the local
// provider's "none"): the proxy's socket is bound in read-only, a relay inside listens on
// 127.0.0.1, and curl reaches a netns test host only through it, only where the policy allows.
// Needs root, iproute2 and a working bwrap; skipped with the reason otherwise.
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type NetnsHost,
  netnsUnavailableReason,
  RELAY_SCRIPT,
  startNetnsHost,
} from "@sandcaster/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBwrap } from "../../src/providers/local/bwrap-host.js";
import { type ProxyHarness, policyOf, startProxy } from "./harness.js";

const bwrap = await checkBwrap(undefined, process.execPath);
const netnsReason = netnsUnavailableReason();
const reason =
  netnsReason ?? (bwrap.ok ? undefined : `${bwrap.reason} (apt-get install bubblewrap)`);
const required =
  process.env.SANDCASTER_REQUIRE_BWRAP === "1" && process.env.SANDCASTER_REQUIRE_NETNS === "1";

describe.runIf(reason !== undefined && required)("egress from a bwrap sandbox (required)", () => {
  it("can run here", () => {
    throw new Error(`SANDCASTER_REQUIRE_BWRAP=1 and SANDCASTER_REQUIRE_NETNS=1 but ${reason}`);
  });
});

/** Each step's curl exit code and output, written where the host can read them. */
function script(host: NetnsHost): string {
  const curl = "curl -sS --max-time 10 --cacert /run/sandcaster/ca.pem";
  return `set -u
node /run/relay.mjs /run/sandcaster/gateway.sock > /tmp/port &
for i in $(seq 1 200); do [ -s /tmp/port ] && break; sleep 0.05; done
proxy="http://127.0.0.1:$(cat /tmp/port)"
step() { name=$1; shift; "$@" > /run/out/$name.out 2>&1; echo $? > /run/out/$name.code; }
step direct ${curl} --resolve allowed.test:443:${host.address} https://allowed.test/
step allowed ${curl} -x "$proxy" https://allowed.test/inside
step env env HTTPS_PROXY="$proxy" ${curl} https://allowed.test/env
step blocked ${curl} -x "$proxy" https://blocked.test/
step loopback ${curl} -x "$proxy" http://127.0.0.1/
`;
}

function runSandbox(h: ProxyHarness, out: string): Promise<{ code: number; stderr: string }> {
  const args = [
    "--unshare-net",
    "--unshare-pid",
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/run",
    "--ro-bind",
    h.dir,
    "/run/sandcaster",
    "--ro-bind",
    RELAY_SCRIPT,
    "/run/relay.mjs",
    "--bind",
    out,
    "/run/out",
    "sh",
    "/run/sandcaster/script.sh",
  ];
  return new Promise((resolve) => {
    execFile(
      bwrap.ok ? bwrap.bwrapPath : "bwrap",
      args,
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr });
      },
    );
  });
}

describe.skipIf(reason !== undefined)(
  `egress from a bwrap sandbox${reason ? ` (${reason})` : ""}`,
  () => {
    let host: NetnsHost;
    let harness: ProxyHarness;

    beforeAll(async () => {
      host = await startNetnsHost({
        hostnames: ["allowed.test", "blocked.test"],
        label: "outside",
      });
      harness = await startProxy(
        // 127.0.0.1 is allow-listed on purpose: the address check must still refuse it.
        policyOf({ allow: ["allowed.test", "127.0.0.1"], allowAddresses: [host.address] }),
        {
          resolve: async (name) => {
            const found = host.resolve(name);
            if (!found) throw new Error(`getaddrinfo ENOTFOUND ${name}`);
            return found;
          },
        },
      );
    });
    afterAll(async () => {
      await harness?.close();
      await host?.close();
    });

    it("reaches the allowed host only through the proxy, and nothing else", async () => {
      await writeFile(join(harness.dir, "ca.pem"), host.caPem);
      await writeFile(join(harness.dir, "script.sh"), script(host));
      const out = join(harness.dir, "out");
      await mkdir(out);
      const sandbox = await runSandbox(harness, out);
      expect(sandbox.code, sandbox.stderr).toBe(0);
      const result = async (name: string) => ({
        code: Number((await readFile(join(out, `${name}.code`), "utf8")).trim()),
        out: await readFile(join(out, `${name}.out`), "utf8"),
      });

      // No route out of the sandbox's own network namespace.
      const direct = await result("direct");
      expect(direct.code).not.toBe(0);
      expect(direct.out).toMatch(/Could not connect|Network is unreachable|Failed to connect/);

      const allowed = await result("allowed");
      expect(allowed.code, allowed.out).toBe(0);
      expect(JSON.parse(allowed.out)).toMatchObject({
        server: "outside",
        scheme: "https",
        path: "/inside",
      });
      const viaEnv = await result("env");
      expect(viaEnv.code, viaEnv.out).toBe(0);
      expect(JSON.parse(viaEnv.out)).toMatchObject({ path: "/env" });

      const blocked = await result("blocked");
      expect(blocked.code).not.toBe(0);
      expect(blocked.out).toContain("CONNECT tunnel failed, response 403");
      const loopback = await result("loopback");
      expect(loopback.out).toContain("EGRESS_DENIED");

      expect(harness.denials.map((d) => [d.host, d.denial.kind])).toEqual([
        ["blocked.test", "policy"],
        ["127.0.0.1", "address"],
      ]);
      expect(host.connections.map((c) => c.scheme)).toEqual(["https", "https"]);
    });
  },
);
