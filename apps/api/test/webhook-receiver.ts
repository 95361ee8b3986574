// A webhook receiver on loopback for tests: keeps every delivery's headers and raw body, and
// answers with whatever status the test's function says (which may wait before answering).
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookDelivery } from "@sandcaster/protocol";

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  /** http://127.0.0.1:<port>/hook */
  url: string;
  port: number;
  hooks: ReceivedHook[];
  /** Resolves once `count` deliveries have arrived. */
  received(count: number): Promise<ReceivedHook[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  answer: (index: number, hook: ReceivedHook) => number | Promise<number> = () => 204,
): Promise<Receiver> {
  const hooks: ReceivedHook[] = [];
  const waiters: { count: number; resolve: (hooks: ReceivedHook[]) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const hook = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      const index = hooks.push(hook) - 1;
      for (const waiter of waiters.filter((w) => hooks.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve([...hooks]);
      }
      res.statusCode = await answer(index, hook);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    hooks,
    received(count) {
      if (hooks.length >= count) return Promise.resolve([...hooks]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GET /runs/:id/webhooks, polled until the run's delivery is no longer pending (bounded). */
export async function settledDelivery(baseUrl: string, runId: string): Promise<WebhookDelivery> {
  for (let i = 0; i < 300; i++) {
    const response = await fetch(new URL(`/runs/${runId}/webhooks`, baseUrl));
    const { deliveries } = (await response.json()) as { deliveries: WebhookDelivery[] };
    const delivery = deliveries[0];
    if (delivery && delivery.state !== "pending") return delivery;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the webhook of ${runId} stayed pending`);
}
