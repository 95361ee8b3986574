// examples/research: the agent fetches through the egress proxy, and only the allow-listed "web"
// answers. The web is a loopback server this test starts, added to the example's network.allow
// (with its port); a second loopback server on another port is not listed, and the proxy refuses it.

import { readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type ModelDouble, startAnthropicDouble } from "@sandcaster/testkit";
import { hasService } from "@sandcaster/testkit/services";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";
import { editConfig, jsonEvents, modelEnv, scaffold } from "./examples-project.js";
import { tempDir } from "./temp-dir.js";

// Without bubblewrap a local sandbox shares the host's network, so there is no policy to show.
const bwrap = hasService("bwrap");

const PAGE = "<html><h1>418 I'm a teapot</h1><p>The server refuses to brew coffee.</p></html>\n";

let dir: string;
let double: ModelDouble | undefined;
let servers: Server[] = [];
beforeEach(async () => {
  dir = await tempDir("example-research");
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  await rm(dir, { recursive: true, force: true });
});

/** A loopback web server that records the requests it gets. */
async function web(body: string): Promise<{ port: number; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    res.setHeader("content-type", "text/html");
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

it.skipIf(!bwrap)(
  "fetches an allowed page through the proxy; an unlisted one is refused",
  async () => {
    const project = await scaffold("research", dir);
    const allowed = await web(PAGE);
    const unlisted = await web("should never be served\n");
    await editConfig(project, (config) => {
      const network = config.network as { allow: string[]; allowAddresses?: string[] };
      network.allow.push(`127.0.0.1:${allowed.port}`);
      // Loopback is refused whatever the list says unless the operator names the address.
      network.allowAddresses = ["127.0.0.1"];
    });
    // The sandbox's NO_PROXY covers 127.0.0.1 (for its own services), so curl is told to use the proxy.
    const curl = `curl -sS --noproxy '' -x "$HTTP_PROXY"`;
    double = await startAnthropicDouble({
      turns: [
        {
          toolCalls: [
            {
              name: "bash",
              input: {
                command: `${curl} -o source.html http://127.0.0.1:${allowed.port}/418 && echo fetched; ${curl} -o /dev/null -w 'other: %{http_code}\\n' http://127.0.0.1:${unlisted.port}/ || true`,
              },
            },
          ],
        },
        {
          toolCalls: [
            {
              name: "write_file",
              input: { path: "notes.md", content: "# 418\nA teapot refuses coffee.\n" },
            },
          ],
        },
        { text: "Notes are in notes.md." },
      ],
    });
    const result = await runCli(
      ["query", "What is HTTP 418?", "--out", "out", "--json"],
      modelEnv(dir, double.url),
      project,
    );
    expect(result.code, result.stderr).toBe(0);
    const events = jsonEvents(result.stdout);
    const fetched = events.find((e) => e.type === "tool_result" && e.toolName === "bash");
    expect(fetched?.content).toContain("fetched");
    expect(fetched?.content).toMatch(/other: 403/);

    // The allowed page really came through: once, via the proxy, byte for byte.
    expect(await readFile(join(project, "out", "source.html"), "utf8")).toBe(PAGE);
    expect(allowed.seen.map((r) => r.url)).toEqual(["/418"]);
    // The unlisted server never saw a connection, and the refusal was reported.
    expect(unlisted.seen).toEqual([]);
    const denied = events.filter((e) => e.type === "warning" && e.code === "EGRESS_DENIED");
    expect(denied.map((e) => String(e.content)).join("\n")).toContain(`${unlisted.port}`);
    expect(events.at(-1)).toMatchObject({ type: "result", content: "Notes are in notes.md." });
  },
);
