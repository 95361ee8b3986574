import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { nodeFetch } from "./node-fetch.js";

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk) => {
      body += chunk;
    });
    request.once("end", () => handler(request, response, body));
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  }
});

describe("nodeFetch", () => {
  it("sends method, headers and body, and gives back status, headers and JSON", async () => {
    let seen: { method?: string; type?: string; length?: string; body?: string } = {};
    const url = await serve((request, response, body) => {
      seen = {
        method: request.method,
        type: request.headers["content-type"],
        length: request.headers["content-length"],
        body,
      };
      response.writeHead(429, "Too Many", {
        "retry-after": "2",
        "content-type": "application/json",
      });
      response.end('{"error":"slow down"}');
    });
    const response = await nodeFetch(`${url}/v1/messages`, {
      method: "post",
      headers: new Headers({ "Content-Type": "application/json" }),
      body: '{"héllo":1}',
    });
    expect(seen).toEqual({
      method: "POST",
      type: "application/json",
      length: String(Buffer.byteLength('{"héllo":1}')),
      body: '{"héllo":1}',
    });
    expect([response.status, response.statusText, response.ok]).toEqual([429, "Too Many", false]);
    expect(response.headers.get("Retry-After")).toBe("2");
    expect(await response.json()).toEqual({ error: "slow down" });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it("streams the body as a web ReadableStream, chunk by chunk as the server sends", async () => {
    let sendRest = () => {};
    const url = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
      sendRest = () => response.end("data: two\n\n");
    });
    const response = await nodeFetch(url);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe("data: one\n\n");
    sendRest();
    let rest = "";
    for (let part = await reader.read(); !part.done; part = await reader.read())
      rest += decoder.decode(part.value);
    expect(rest).toBe("data: two\n\n");
  });

  it("an abort while waiting rejects with the signal's reason and ends the request", async () => {
    const closed: Promise<unknown>[] = [];
    const url = await serve((request) => {
      closed.push(once(request.socket, "close"));
    });
    const controller = new AbortController();
    const pending = nodeFetch(url, { method: "POST", body: "x", signal: controller.signal });
    while (closed.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await closed[0];
    const reason = new Error("the run was cancelled");
    const again = new AbortController();
    again.abort(reason);
    await expect(nodeFetch(url, { signal: again.signal })).rejects.toBe(reason);
  });

  it("an abort while streaming errors the body with the reason and closes the connection", async () => {
    let socketClosed: Promise<unknown> = Promise.resolve();
    const url = await serve((request, response) => {
      socketClosed = once(request.socket, "close");
      response.writeHead(200);
      response.write("first");
    });
    const controller = new AbortController();
    const response = await nodeFetch(url, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first");
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    await socketClosed;
  });

  it("cancelling the body closes the connection", async () => {
    let socketClosed: Promise<unknown> = Promise.resolve();
    const url = await serve((request, response) => {
      socketClosed = once(request.socket, "close");
      response.writeHead(200);
      response.write("first");
    });
    const response = await nodeFetch(url);
    await (response.body as ReadableStream<Uint8Array>).cancel();
    await socketClosed;
  });

  it("a refused connection rejects as Node's fetch does: TypeError with the cause", async () => {
    const url = await serve(() => {});
    const server = servers.pop() as Server;
    server.close();
    await once(server, "close");
    const error = await nodeFetch(url).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ message: "fetch failed", cause: { code: "ECONNREFUSED" } });
  });

  it("inflates a gzip body and follows redirects (303 becomes a GET without body)", async () => {
    const url = await serve((request, response, body) => {
      if (request.url === "/old") {
        response.writeHead(303, { location: "/new" });
        response.end();
        return;
      }
      response.writeHead(200, { "content-encoding": "gzip" });
      response.end(gzipSync(`${request.method} ${request.url} ${JSON.stringify(body)}`));
    });
    const response = await nodeFetch(`${url}/old`, { method: "POST", body: "data" });
    expect(await response.text()).toBe('GET /new ""');
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`${url}/new`);
  });

  it("never follows a redirect to another origin: the headers hold the key", async () => {
    const seen: unknown[] = [];
    const other = await serve((request, response) => {
      seen.push(request.headers["x-api-key"]);
      response.end("stolen");
    });
    const url = await serve((_request, response) => {
      response.writeHead(307, { location: `${other}/steal` });
      response.end();
    });
    await expect(
      nodeFetch(url, { method: "POST", headers: { "x-api-key": "sk-secret" }, body: "{}" }),
    ).rejects.toThrow(/another origin/);
    expect(seen).toEqual([]);
  });

  it("has no body for a 204 and refuses a protocol it cannot speak", async () => {
    const url = await serve((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    const response = await nodeFetch(url);
    expect(response.body).toBeNull();
    expect(await response.text()).toBe("");
    await expect(nodeFetch("ftp://127.0.0.1/")).rejects.toThrow(TypeError);
  });
});
