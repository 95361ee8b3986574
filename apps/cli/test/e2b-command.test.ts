// `sandcaster e2b webhook …` against a local stand-in for E2B's /events/webhooks API.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { runCli } from "./cli-process.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = undefined;
});

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

it("registers, lists and deletes webhooks with the API key and our signing secret", async () => {
  const seen: { method?: string; url?: string; key?: string; body: string }[] = [];
  server = createServer(async (req, res) => {
    seen.push({
      method: req.method,
      url: req.url,
      key: req.headers["x-api-key"] as string,
      body: await body(req),
    });
    res.setHeader("content-type", "application/json");
    if (req.method === "POST")
      res.writeHead(201).end(JSON.stringify({ id: "wh_1", enabled: true }));
    else if (req.method === "GET") res.end(JSON.stringify([{ id: "wh_1" }]));
    else res.writeHead(200).end("");
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    E2B_API_KEY: "e2b_test_key",
    E2B_API_URL: url,
    SANDCASTER_E2B_WEBHOOK_SECRET: "whsec-1",
  };

  const registered = await runCli(
    ["e2b", "webhook", "register", "--url", "https://sc.example/webhooks/e2b"],
    env,
  );
  expect(registered.code).toBe(0);
  expect(JSON.parse(registered.stdout)).toEqual({ id: "wh_1", enabled: true });
  expect(seen[0]).toMatchObject({ method: "POST", url: "/events/webhooks", key: "e2b_test_key" });
  expect(JSON.parse(seen[0]?.body ?? "{}")).toMatchObject({
    url: "https://sc.example/webhooks/e2b",
    signatureSecret: "whsec-1",
    events: expect.arrayContaining(["sandbox.lifecycle.killed"]),
  });
  expect((await runCli(["e2b", "webhook", "list"], env)).stdout).toContain("wh_1");
  expect((await runCli(["e2b", "webhook", "delete", "wh_1"], env)).code).toBe(0);
  expect(seen[2]).toMatchObject({ method: "DELETE", url: "/events/webhooks/wh_1" });

  const noSecret = await runCli(["e2b", "webhook", "register", "--url", "https://x"], {
    E2B_API_KEY: "k",
    E2B_API_URL: url,
  });
  expect(noSecret.code).toBe(1);
  expect(noSecret.stderr).toContain("SANDCASTER_E2B_WEBHOOK_SECRET");
});
