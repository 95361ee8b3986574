// Egress through the real path: a scripted model makes the agent reach out from a real sandbox.
// Local and docker sandboxes have no network: only the host's proxy (the gateway socket) lets an
// allowed host through; a disallowed one is refused with an EGRESS_DENIED warning, and host
// services (127.0.0.1, docker's bridge gateway) are out of reach. E2B: the policy becomes e2b's
// own network options, and without gateway.publicUrl no e2b run starts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { checkBwrap } from "@sandcaster/core";
import {
  type E2BDouble,
  type NetnsHost,
  netnsUnavailableReason,
  startE2BDouble,
  startNetnsHost,
} from "@sandcaster/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness.js";
import { bridgeGateway, shouldRunDocker } from "./leftovers.js";
import { postQuery, type ReceivedEvent, readEvents } from "./sse.js";

const TEST_IMAGE = process.env.SANDCASTER_TEST_IMAGE ?? "sandcaster-sandbox:test";
const bwrap = await checkBwrap(undefined, process.execPath);
const docker = await shouldRunDocker();
const netns = netnsUnavailableReason();
if (netns) console.log(`egress tests through sandboxes skipped: ${netns}`);
if (!bwrap.ok) console.log("egress tests on local skipped: no working bubblewrap");
const kinds = netns
  ? []
  : [...(bwrap.ok ? (["local"] as const) : []), ...(docker ? (["docker"] as const) : [])];

let t: TestServer | undefined;
let e2b: E2BDouble | undefined;
afterEach(async () => {
  await t?.close();
  await e2b?.close();
  t = undefined;
  e2b = undefined;
});

const warnings = (events: ReceivedEvent[]) =>
  events.flatMap((e) =>
    e.data.type === "warning" ? [`${e.data.code}: ${String(e.data.content)}`] : [],
  );

const toolOutput = (events: ReceivedEvent[]) => {
  const result = events.find((e) => e.data.type === "tool_result")?.data;
  return result && "content" in result ? String(result.content) : "";
};

// Bash only (the test image has no curl): a proxied GET through $HTTP_PROXY, and a direct connect.
const PROBE = String.raw`p=${"$"}{HTTP_PROXY##*:}
get() {
  exec 3<>/dev/tcp/127.0.0.1/$p || { echo "$1: no proxy"; return; }
  printf 'GET http://%s/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$1" "$1" >&3
  IFS=$'\r' read -r status <&3; echo "$1: $status"
  while IFS= read -r line <&3 || [[ -n $line ]]; do [[ $line == *'"server"'* ]] && echo "$1 answered by ${"$"}{line:0:60}"; line=; done
  exec 3>&-
}
direct() { if (exec 3<>/dev/tcp/$1/$2) 2>/dev/null; then echo "direct $1:$2 reachable"; else echo "direct $1:$2 unreachable"; fi; }`;

describe.each(kinds)("egress from a %s sandbox", (kind) => {
  let allowed: NetnsHost;
  let denied: NetnsHost;
  let hostService: Server;
  let port: number;
  beforeAll(async () => {
    allowed = await startNetnsHost({ hostnames: ["allowed.test"] });
    denied = await startNetnsHost({ hostnames: ["denied.test"] });
    // A host service on every address: what a sandbox with host networking would reach.
    hostService = createServer((_req, res) => res.end("host service"));
    await new Promise<void>((resolve) => hostService.listen(0, "0.0.0.0", resolve));
    port = (hostService.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await allowed?.close();
    await denied?.close();
    await new Promise((resolve) => hostService?.close(resolve));
  });

  it("lets an allowed host through the proxy, refuses the rest, and reaches no host service", async () => {
    const bridge = kind === "docker" ? await bridgeGateway() : "127.0.0.1";
    const command = [
      PROBE,
      "get allowed.test",
      "get denied.test",
      `get 127.0.0.1:${port}`,
      `direct 127.0.0.1 ${port}`,
      `direct ${bridge} ${port}`,
      `direct ${allowed.address} 80`,
    ].join("\n");
    t = await startTestServer({
      sandbox: kind,
      turns: [{ toolCalls: [{ name: "bash", input: { command } }] }, { text: "probed" }],
      config: {
        ...(kind === "docker" ? { docker: { image: TEST_IMAGE } } : {}),
        network: {
          egress: "allowlist",
          allow: ["allowed.test"],
          // The test hosts live on private addresses, refused unless listed exactly.
          allowAddresses: [allowed.address, denied.address],
        },
      },
      egress: {
        resolve: async (name) => allowed.resolve(name) ?? denied.resolve(name) ?? [],
      },
    });
    const events = await readEvents(await postQuery(t.url, { prompt: "probe" }));
    expect(events.at(-1)?.data.type).toBe("result");
    const lines = toolOutput(events).trim().split("\n");
    expect(lines).toContain("allowed.test: HTTP/1.1 200 OK");
    expect(
      lines.some((l) => l.startsWith('allowed.test answered by {"server":"allowed.test"')),
    ).toBe(true);
    expect(lines.find((l) => l.startsWith("denied.test: "))).toMatch(
      /^denied\.test: HTTP\/1\.1 403/,
    );
    expect(lines.find((l) => l.startsWith(`127.0.0.1:${port}: `))).toMatch(/HTTP\/1\.1 403/);
    expect(lines).toContain(`direct 127.0.0.1:${port} unreachable`);
    expect(lines).toContain(`direct ${bridge}:${port} unreachable`);
    expect(lines).toContain(`direct ${allowed.address}:80 unreachable`);
    expect(denied.connections).toEqual([]);
    expect(allowed.connections.length).toBe(1);
    const refused = warnings(events).filter((w) => w.startsWith("EGRESS_DENIED"));
    expect(refused.some((w) => w.includes("denied.test"))).toBe(true);
    expect(refused.some((w) => w.includes("127.0.0.1"))).toBe(true);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/sandcaster_egress_denied_total\{reason="[a-z]+"\} [1-9]/);
  });
});

describe("egress of an e2b sandbox", () => {
  it("is e2b's own network options: the allowed hosts and the gateway's host, nothing else", async () => {
    e2b = await startE2BDouble();
    t = await startTestServer({
      sandbox: "e2b",
      e2b,
      turns: [{ text: "hello" }],
      config: {
        network: { egress: "allowlist", allow: ["allowed.test"], allowAddresses: ["10.1.2.3"] },
      },
    });
    const events = await readEvents(await postQuery(t.url, { prompt: "hi" }));
    expect(events.at(-1)?.data.type).toBe("result");
    const created = e2b.created();
    expect(created).toHaveLength(1);
    expect(created[0]?.network).toEqual({
      allowOut: ["127.0.0.1", "allowed.test"],
      denyOut: ["0.0.0.0/0"],
    });
    expect(warnings(events).join("\n")).toContain("network.allowAddresses does not apply to e2b");
  });

  it("refuses the run without gateway.publicUrl rather than hand the key to the sandbox", async () => {
    e2b = await startE2BDouble();
    t = await startTestServer({ sandbox: "e2b", e2b, noGatewayUrl: true, turns: [{ text: "x" }] });
    const response = await postQuery(t.url, { prompt: "hi" });
    const runId = response.headers.get("x-run-id") ?? "";
    const events = await readEvents(response);
    expect(events.at(-1)?.data).toMatchObject({ type: "error", code: "INVALID_CONFIG" });
    expect(JSON.stringify(events.at(-1)?.data)).toContain("gateway.publicUrl");
    expect(t.double.requests).toEqual([]);
    const record = await (await fetch(`${t.url}/runs/${runId}`)).json();
    expect(record).toMatchObject({ status: "error", errorCode: "INVALID_CONFIG" });
    const deadline = Date.now() + 10_000;
    while (e2b.alive().length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(e2b.alive()).toEqual([]);
  });
});
