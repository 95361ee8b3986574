// Latency the model gateway adds on loopback: the same small streamed call straight to the
// Anthropic double and through a run gateway's Unix socket, interleaved, with keep-alive on both.

import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRunGateway } from "@sandcaster/core";
import { startAnthropicDouble } from "@sandcaster/testkit";
import { percentile, round, summary } from "./lib.mjs";

const BODY = JSON.stringify({
  model: "claude-sonnet-4-6",
  max_tokens: 64,
  stream: true,
  messages: [{ role: "user", content: "hi" }],
});

function call(options) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: "POST",
        path: options.path,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(BODY),
          ...options.headers,
        },
        ...options.target,
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

/** `runs` paired calls after `warmups`; returns the figure for bench-results.json. */
export async function gatewayLatency({ runs = 300, warmups = 30 } = {}) {
  const total = 2 * (runs + warmups);
  const double = await startAnthropicDouble({
    turns: Array.from({ length: total }, () => ({ text: "ok" })),
  });
  const dir = await mkdtemp(join(tmpdir(), "sandcaster-bench-gw-"));
  const inGateway = [];
  const gateway = await openRunGateway({
    runId: "bench-gateway",
    provider: "anthropic",
    upstream: { baseUrl: double.url, key: "sk-bench" },
    socketDir: dir,
    onCall: (c) => inGateway.push(c.addedMs),
  });
  const url = new URL(double.url);
  const directAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const socketAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const direct = () =>
    call({
      path: "/v1/messages",
      headers: { "x-api-key": "sk-bench" },
      target: { host: url.hostname, port: url.port, agent: directAgent },
    });
  const viaGateway = () =>
    call({
      path: "/anthropic/v1/messages",
      headers: { "x-api-key": gateway.token },
      target: { socketPath: gateway.socketPath, agent: socketAgent },
    });
  try {
    for (let i = 0; i < warmups; i++) {
      await direct();
      await viaGateway();
    }
    inGateway.length = 0;
    const directMs = [];
    const gatewayMs = [];
    const paired = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first so neither always gets the warmer cache.
      let d;
      let g;
      if (i % 2 === 0) {
        d = await direct();
        g = await viaGateway();
      } else {
        g = await viaGateway();
        d = await direct();
      }
      directMs.push(d);
      gatewayMs.push(g);
      paired.push(g - d);
    }
    return {
      runs,
      directMs: summary(directMs),
      throughGatewayMs: summary(gatewayMs),
      addedP50Ms: round(percentile(gatewayMs, 50) - percentile(directMs, 50)),
      addedPairedP50Ms: round(percentile(paired, 50)),
      inGatewayMs: summary(inGateway),
    };
  } finally {
    directAgent.destroy();
    socketAgent.destroy();
    await gateway.close();
    await double.close();
    await rm(dir, { recursive: true, force: true });
  }
}
