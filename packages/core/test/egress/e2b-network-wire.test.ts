// What the e2b SDK really sends for a mapped policy: a loopback stand-in for E2B's API records the
// create body (and refuses it, so no sandbox exists to clean up).
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Sandbox } from "e2b";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2bNetworkOptions } from "../../src/egress/e2b-network.js";

const bodies: unknown[] = [];
const api = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    bodies.push(JSON.parse(body));
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: 400, message: "recorded" }));
  });
});

beforeAll(async () => {
  api.listen(0, "127.0.0.1");
  await once(api, "listening");
});
afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

describe("e2bNetworkOptions on the wire", () => {
  it("reaches E2B's create call as allowOut/denyOut", async () => {
    const { network } = e2bNetworkOptions(
      { egress: "allowlist", allow: ["*.example.com", "pypi.org"], allowAddresses: [] },
      { gatewayHost: "gateway.example.net" },
    );
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    await expect(Sandbox.create("base", { apiKey: "e2b_test", apiUrl, network })).rejects.toThrow(
      "recorded",
    );
    expect(bodies).toEqual([
      {
        templateID: "base",
        network: {
          allowOut: ["gateway.example.net", "*.example.com", "pypi.org"],
          denyOut: ["0.0.0.0/0"],
        },
      },
    ]);
  });
});
